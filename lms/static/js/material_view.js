/* A material given as homework: tell the teacher it was opened and for how long it was on screen.
   The page reports {opened: true} once, then the seconds it was visible since the last report:
   every 30 seconds while visible, and when it is hidden or left (fetch with keepalive, so the
   last report survives the page being closed). The CSRF token travels in a header. */
(function () {
  "use strict";

  var box = document.getElementById("material-view");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-view-url");
  var csrf = box.getAttribute("data-csrf");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var unreported = 0;  // milliseconds visible and not yet reported

  function send(body) {
    try {
      window.fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest"},
        body: JSON.stringify(body)
      }).catch(function () { /* offline: the next report carries the time */ });
    } catch (e) { /* none */ }
  }

  function collect() {
    if (visibleSince !== null) {
      unreported += Date.now() - visibleSince;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    }
  }

  function report() {
    collect();
    var seconds = Math.floor(unreported / 1000);
    if (seconds < 1) { return; }
    unreported -= seconds * 1000;
    send({seconds: seconds});
  }

  send({opened: true, seconds: 0});
  window.setInterval(function () { if (document.visibilityState === "visible") { report(); } }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
    } else {
      report();
      visibleSince = null;
    }
  });
  window.addEventListener("pagehide", report);
}());
