/* The material form (upload and edit) follows the user without a reload:
   - the topic list keeps the topics of the chosen subject and grade (each option carries
     data-subject and data-grade; the server refuses a mismatch anyway);
   - the kind follows the chosen file's type until the user picks one by hand;
   - the chosen licence is explained in one line (data-help on each option);
   - "Tác giả" and "Nguồn" show, and are required, only when the uploader is not the author. */
(function () {
  "use strict";

  // The kind a file most likely is, by extension; the server still sniffs the content.
  var KIND_BY_EXTENSION = {
    pdf: "worksheet", docx: "worksheet", odt: "worksheet", xlsx: "worksheet",
    pptx: "slides", odp: "slides",
    mp4: "video", webm: "video",
    mp3: "audio", m4a: "audio", ogg: "audio",
    png: "image", jpg: "image", jpeg: "image", webp: "image", gif: "image",
    zip: "html5"
  };
  // Kinds that take the same files (a PDF may be a worksheet, slides or an e-textbook).
  var SAME_FILES = {worksheet: "document", slides: "document", etextbook: "document",
                    video: "video", audio: "audio", image: "image", html5: "package"};

  function setupTopics(form) {
    var subject = form.querySelector("select[name=subject]");
    var grade = form.querySelector("select[name=grade]");
    var topic = form.querySelector("select[name=topic]");
    if (!subject || !grade || !topic) { return; }
    var blank = topic.querySelector("option[value='']");
    var topics = Array.prototype.map.call(topic.querySelectorAll("option[data-subject]"), function (option) {
      return {value: option.value, label: option.textContent, subject: option.getAttribute("data-subject"),
              grade: option.getAttribute("data-grade")};
    });
    var none = document.createElement("option");
    none.value = "";
    none.disabled = true;
    none.textContent = topic.getAttribute("data-msg-none") || "—";

    function update() {
      var chosen = topic.value;
      var keep = topics.filter(function (t) { return t.subject === subject.value && t.grade === grade.value; });
      topic.textContent = "";
      if (blank) { topic.appendChild(blank); }
      keep.forEach(function (t) {
        var option = document.createElement("option");
        option.value = t.value;
        option.textContent = t.label;
        option.setAttribute("data-subject", t.subject);
        option.setAttribute("data-grade", t.grade);
        topic.appendChild(option);
      });
      if (!keep.length && subject.value && grade.value) { topic.appendChild(none); }
      topic.value = keep.some(function (t) { return t.value === chosen; }) ? chosen : "";
    }

    subject.addEventListener("change", update);
    grade.addEventListener("change", update);
    update();
  }

  function setupKind(form) {
    var kind = form.querySelector("select[name=kind]");
    var file = form.querySelector("input[type=file]");
    if (!kind || !file) { return; }
    var byHand = false;
    kind.addEventListener("change", function () { byHand = true; });
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) { return; }
      var guess = KIND_BY_EXTENSION[(chosen.name.split(".").pop() || "").toLowerCase()];
      // Keep a kind picked by hand when it takes this file; otherwise follow the file.
      if (guess && (!byHand || !kind.value || SAME_FILES[kind.value] !== SAME_FILES[guess])) {
        kind.value = guess;
        kind.dispatchEvent(new Event("input", {bubbles: true}));
      }
    });
  }

  function setupLicense(form) {
    var license = form.querySelector("select[name=license]");
    var help = form.querySelector("#license-help");
    if (!license || !help) { return; }
    function update() {
      var option = license.options[license.selectedIndex];
      help.textContent = option ? option.getAttribute("data-help") || "" : "";
    }
    license.addEventListener("change", update);
    update();
  }

  function setupAuthor(form) {
    var box = form.querySelector("input[name=uploader_is_author]");
    var group = form.querySelector("#author-source");
    if (!box || !group) { return; }
    function update() {
      group.hidden = box.checked;
      group.querySelectorAll("input").forEach(function (input) {
        input.required = !box.checked;
        var label = form.querySelector("label[for='" + input.id + "']");
        if (label) { label.classList.toggle("required", !box.checked); }
      });
    }
    box.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("form.js-material").forEach(function (form) {
    setupTopics(form);
    setupKind(form);
    setupLicense(form);
    setupAuthor(form);
  });
}());
