/* Upload forms (.js-upload): send with XMLHttpRequest to show a progress bar, check the size
   limit before sending, and show the server's refusal in the page. Without JavaScript the form
   posts normally and the server answers with a page (a flash message on refusal). */
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

  function showError(form, message, details) {
    var box = form.querySelector("#upload-error");
    box.textContent = message;
    if (details) {
      var list = document.createElement("ul");
      list.className = "mb-0 mt-1";
      Object.keys(details).forEach(function (key) {
        if (typeof details[key] === "string") {
          var item = document.createElement("li");
          item.textContent = details[key];
          list.appendChild(item);
        }
      });
      if (list.childNodes.length) { box.appendChild(list); }
    }
    box.hidden = false;
    box.scrollIntoView({block: "center"});
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
          showError(form, message("too-large", {size: formatMb(file.size), limit: formatMb(limit)}));
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
