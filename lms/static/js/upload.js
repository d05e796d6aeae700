/* Upload forms (.js-upload): send with XMLHttpRequest to show a progress bar, check the size
   limit before sending, and show the server's refusal in the page, each error at its field (the
   chosen file stays chosen). Without JavaScript the form posts normally and the server answers
   with the page again, errors at their fields. */
(function () {
  "use strict";

  function sizeLimitBytes(form, fileName) {
    var limits = {};
    try { limits = JSON.parse(form.getAttribute("data-limits") || "{}"); } catch (e) { limits = {}; }
    var videoExts = (form.getAttribute("data-video-exts") || "").split(",");
    var ext = (fileName.split(".").pop() || "").toLowerCase();
    var mb = videoExts.indexOf(ext) >= 0 && limits.video ? limits.video : limits["default"];
    return mb ? mb * 1024 * 1024 : null;
  }

  function formatMb(bytes) {
    return (bytes / 1048576).toFixed(1).replace(".", ",") + " MB";
  }

  function clearFieldErrors(form) {
    form.querySelectorAll(".js-field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
  }

  // Each error at its field, as the server's page does it (is-invalid + invalid-feedback); the
  // details that name no field are listed in the box above the button.
  function showFieldErrors(form, details) {
    var rest = [];
    var first = null;
    Object.keys(details || {}).forEach(function (name) {
      var text = details[name];
      if (typeof text !== "string") { return; }
      var control = form.querySelector("[name='" + name + "']");
      if (!control || control.type === "hidden") { rest.push(text); return; }
      control.classList.add("is-invalid");
      var feedback = document.createElement("div");
      feedback.className = "invalid-feedback d-block js-field-error";
      feedback.id = (control.id || name) + "-error";
      feedback.textContent = text;
      var wrapper = document.getElementById((control.id || name) + "-field");
      var check = control.closest(".form-check");
      if (wrapper) {
        var help = wrapper.querySelector(".form-text");
        wrapper.insertBefore(feedback, help || null);
      } else {
        (check || control).insertAdjacentElement("afterend", feedback);
      }
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(feedback.id) < 0) { described.unshift(feedback.id); }
      control.setAttribute("aria-describedby", described.join(" "));
      if (!first) { first = control; }
    });
    return {rest: rest, first: first};
  }

  function showError(form, message, details) {
    var box = form.querySelector("#upload-error");
    clearFieldErrors(form);
    box.textContent = message;
    var shown = showFieldErrors(form, details);
    if (shown.rest.length) {
      var list = document.createElement("ul");
      list.className = "mb-0 mt-1";
      shown.rest.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
    if (shown.first) {
      shown.first.scrollIntoView({block: "center"});
      shown.first.focus({preventScroll: true});
    } else {
      box.scrollIntoView({block: "center"});
    }
  }

  function setup(form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var progressBox = form.querySelector("#upload-progress-box");
    var progress = form.querySelector("#upload-progress");
    var status = form.querySelector("#upload-status");
    // Messages come translated from the page (data-msg-*), with %(name)s placeholders.
    function message(name, values) {
      var text = progressBox.getAttribute("data-msg-" + name) || "";
      Object.keys(values || {}).forEach(function (key) {
        text = text.split("%(" + key + ")s").join(values[key]);
      });
      return text;
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }  // plain post
      event.preventDefault();
      form.querySelector("#upload-error").hidden = true;
      var file = input && input.files && input.files[0];
      if (file) {
        var limit = sizeLimitBytes(form, file.name);
        if (limit && file.size > limit) {
          var tooLarge = message("too-large", {size: formatMb(file.size), limit: formatMb(limit)});
          showError(form, tooLarge, {file: tooLarge});
          return;
        }
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.floor(e.loaded * 100 / e.total);
        progress.value = percent;
        status.textContent = percent + "% · " + formatMb(e.loaded) + " / " + formatMb(e.total);
      });
      xhr.upload.addEventListener("load", function () {
        status.textContent = message("checking");
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status < 400 && data && data.redirect) {
          window.location.assign(data.redirect);
          return;
        }
        button.disabled = false;
        progressBox.hidden = true;
        if (data && data.error) {
          showError(form, data.error.message, data.error.details);
        } else {
          showError(form, message("failed", {status: xhr.status}));
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        progressBox.hidden = true;
        showError(form, message("offline"));
      });
      button.disabled = true;
      progress.value = 0;
      status.textContent = "";
      progressBox.hidden = false;
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form.js-upload").forEach(setup);
}());
