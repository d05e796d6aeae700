/* The "Giao bài" form: show only the parts the chosen kind and question source use (the page
   works without this, everything shown), count the ticked questions, and keep a ticked question
   at the top of the list. Hidden parts keep their values; the server reads only what applies. */
(function () {
  "use strict";

  var form = document.getElementById("assignment-form");
  if (!form) { return; }

  function checked(name) {
    var node = form.querySelector('input[name="' + name + '"]:checked');
    return node ? node.value : "";
  }

  function update() {
    var kind = checked("kind");
    var source = checked("source") || "picked";
    var parts = form.querySelectorAll("[data-kinds]");
    for (var i = 0; i < parts.length; i++) {
      parts[i].hidden = parts[i].getAttribute("data-kinds").split(" ").indexOf(kind) === -1;
    }
    var sources = form.querySelectorAll("[data-source]");
    for (var j = 0; j < sources.length; j++) {
      sources[j].hidden = sources[j].getAttribute("data-source") !== source;
    }
    var count = document.getElementById("picked-count");
    if (count) { count.textContent = form.querySelectorAll('input[name="question_ids"]:checked').length; }
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "question_ids" && target.checked) {
      var item = target.closest(".picker-item");
      var list = document.getElementById("picked-list");
      var empty = document.getElementById("picked-empty");
      if (empty) { empty.remove(); }
      if (item && list && item.parentNode !== list) { list.appendChild(item); }
    }
    update();
  });
  update();
}());
