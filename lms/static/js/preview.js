/* A PDF is shown in a frame only on screens wide enough for it (768 px and up, Bootstrap's md):
   phone browsers show PDFs in frames poorly or not at all, and a hidden frame would still fetch
   the whole file. Small screens keep the first page's image and the "open" button instead. */
(function () {
  "use strict";

  var frame = document.getElementById("preview-pdf");
  if (!frame || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 768px)");

  function load() {
    if (wide.matches && !frame.getAttribute("src")) {
      frame.setAttribute("src", frame.getAttribute("data-src"));
    }
  }

  load();
  if (wide.addEventListener) { wide.addEventListener("change", load); }
}());
