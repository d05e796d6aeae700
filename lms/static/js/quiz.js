/* The quiz page: every change is saved as it happens (PUT to the page's JSON route, CSRF token in a
   header), kept in localStorage until the server has it, and resent when the connection returns
   (a retry timer, the browser's "online" event, or the next page load). The status line says which:
   "Đã lưu", "Đang lưu…", or "Mất kết nối — câu trả lời được giữ trên máy".

   Submitting sends every answer once more with the form (the server saves them before it submits),
   so an answer typed while the connection was down is never lost at the end either. The countdown
   runs to the deadline the server set (the seconds it says are left) and submits at zero.
   No framework; works on old Android browsers (ES5). */
(function () {
  "use strict";

  var done = document.getElementById("quiz-done");
  if (done) {
    // The result page: the attempt is submitted, nothing kept on this device is needed any more.
    try { window.localStorage.removeItem("hoclieu-quiz-" + done.getAttribute("data-attempt")); } catch (e) { /* none */ }
    return;
  }
  var root = document.getElementById("quiz");
  if (!root) { return; }
  var form = document.getElementById("quiz-form");
  var statusBox = document.getElementById("quiz-status");
  var saveUrl = root.getAttribute("data-save-url");
  var csrf = root.getAttribute("data-csrf");
  var storageKey = "hoclieu-quiz-" + root.getAttribute("data-attempt");
  var text = {
    saved: root.getAttribute("data-msg-saved"),
    saving: root.getAttribute("data-msg-saving"),
    offline: root.getAttribute("data-msg-offline"),
    refused: root.getAttribute("data-msg-refused"),
    closed: root.getAttribute("data-msg-closed"),
    unsent: root.getAttribute("data-msg-unsent"),
    timeUp: root.getAttribute("data-msg-time-up")
  };

  var pending = {};      // question id -> answer not yet confirmed by the server
  var inFlight = false;
  var retryTimer = null;
  var retryDelay = 2000;
  var closed = false;    // the attempt no longer takes answers (submitted, past its deadline)

  // --- local storage: answers the server has not confirmed survive a reload or a closed tab ---

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function persist() {
    var store = storage();
    if (!store) { return; }
    try {
      if (Object.keys(pending).length) {
        store.setItem(storageKey, JSON.stringify({pending: pending, at: Date.now()}));
      } else {
        store.removeItem(storageKey);
      }
    } catch (e) { /* storage full or disabled: the page still saves online */ }
  }

  function restore() {
    var store = storage();
    if (!store) { return {}; }
    try {
      var kept = JSON.parse(store.getItem(storageKey) || "null");
      return kept && kept.pending ? kept.pending : {};
    } catch (e) { return {}; }
  }

  // --- reading and writing the answer of one question card ---

  function cards() { return form.querySelectorAll(".question-card[data-question]"); }

  function cardOf(id) { return form.querySelector('.question-card[data-question="' + id + '"]'); }

  function inputs(card, selector) { return card.querySelectorAll(selector || "input, select, textarea"); }

  function readAnswer(card) {
    var qtype = card.getAttribute("data-qtype");
    var i, list, result;
    if (qtype === "single_choice") {
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) { if (list[i].checked) { return list[i].value; } }
      return null;
    }
    if (qtype === "multiple_choice") {
      result = [];
      list = inputs(card, "input[type=checkbox]");
      for (i = 0; i < list.length; i++) { if (list[i].checked) { result.push(list[i].value); } }
      return result.sort();
    }
    if (qtype === "true_false") {
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) { if (list[i].checked) { return list[i].value === "true"; } }
      return null;
    }
    if (qtype === "true_false_group") {
      result = {};
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) {
        if (list[i].checked) { result[list[i].getAttribute("data-part")] = list[i].value === "true"; }
      }
      return Object.keys(result).length ? result : null;
    }
    if (qtype === "matching") {
      result = {};
      list = inputs(card, "select");
      for (i = 0; i < list.length; i++) {
        if (list[i].value) { result[list[i].getAttribute("data-part")] = list[i].value; }
      }
      return Object.keys(result).length ? result : null;
    }
    var field = card.querySelector("input[type=text], textarea");
    return field ? field.value : null;
  }

  function writeAnswer(card, answer) {
    var qtype = card.getAttribute("data-qtype");
    var i, list;
    if (answer === null || answer === undefined) { return; }
    if (qtype === "single_choice") {
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) { list[i].checked = list[i].value === answer; }
    } else if (qtype === "multiple_choice") {
      list = inputs(card, "input[type=checkbox]");
      for (i = 0; i < list.length; i++) { list[i].checked = answer.indexOf(list[i].value) !== -1; }
    } else if (qtype === "true_false") {
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) { list[i].checked = list[i].value === String(answer); }
    } else if (qtype === "true_false_group") {
      list = inputs(card, "input[type=radio]");
      for (i = 0; i < list.length; i++) {
        var part = list[i].getAttribute("data-part");
        list[i].checked = Object.prototype.hasOwnProperty.call(answer, part) && list[i].value === String(answer[part]);
      }
    } else if (qtype === "matching") {
      list = inputs(card, "select");
      for (i = 0; i < list.length; i++) { list[i].value = answer[list[i].getAttribute("data-part")] || ""; }
    } else {
      var field = card.querySelector("input[type=text], textarea");
      if (field) { field.value = answer; }
    }
    markAnswered(card);
  }

  function isAnswered(card) {
    var answer = readAnswer(card);
    if (answer === null || answer === undefined) { return false; }
    if (typeof answer === "string") { return answer.trim() !== ""; }
    if (answer instanceof Array) { return answer.length > 0; }
    return true;
  }

  function markAnswered(card) {
    var on = isAnswered(card);
    card.classList.toggle("answered", on);
    var id = card.getAttribute("data-question");
    var dot = document.querySelector('.quiz-nav a[data-question="' + id + '"]');
    if (dot) { dot.classList.toggle("answered", on); }
  }

  // --- status line ---

  function show(state, message) {
    statusBox.setAttribute("data-state", state);
    statusBox.textContent = message || text[state] || "";
    statusBox.className = "quiz-status alert mb-0 py-1 px-2 small quiz-status-" + state;
  }

  // --- saving ---

  function scheduleRetry() {
    if (retryTimer || closed) { return; }
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      flush();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function flush() {
    if (closed || inFlight) { return; }
    var ids = Object.keys(pending);
    if (!ids.length) { show("saved"); return; }
    var sent = {};
    ids.forEach(function (id) { sent[id] = pending[id]; });
    var body = JSON.stringify({answers: sent});
    inFlight = true;
    show("saving");
    var request = new XMLHttpRequest();
    request.open("PUT", saveUrl);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.timeout = 15000;
    request.onload = function () {
      inFlight = false;
      if (request.status >= 200 && request.status < 300) {
        retryDelay = 2000;
        // Keep what changed again while this request was on its way.
        ids.forEach(function (id) {
          if (JSON.stringify(pending[id]) === JSON.stringify(sent[id])) { delete pending[id]; }
        });
        persist();
        if (Object.keys(pending).length) { flush(); } else { show("saved"); }
      } else if (request.status === 409 || request.status === 403) {
        // The attempt is closed (submitted, or its deadline passed): the page shows the result.
        closed = true;
        show("refused", messageOf(request) || text.closed);
        window.setTimeout(function () { window.location.reload(); }, 2500);
      } else if (request.status === 422) {
        // An answer the server refuses (does not fit its question): say so, keep the others.
        var problem = messageOf(request) || text.refused;
        ids.forEach(function (id) { delete pending[id]; });
        persist();
        show("refused", problem);
      } else {
        show("offline");
        scheduleRetry();
      }
    };
    request.onerror = request.ontimeout = function () {
      inFlight = false;
      show("offline");
      scheduleRetry();
    };
    request.send(body);
  }

  function messageOf(request) {
    try { return JSON.parse(request.responseText).error.message; } catch (e) { return ""; }
  }

  var typingTimers = {};

  function changed(card, wait) {
    var id = card.getAttribute("data-question");
    pending[id] = readAnswer(card);
    persist();
    markAnswered(card);
    window.clearTimeout(typingTimers[id]);
    if (wait) {
      show("saving");
      typingTimers[id] = window.setTimeout(flush, wait);
    } else {
      flush();
    }
  }

  function cardAround(node) {
    while (node && node !== form) {
      if (node.classList && node.classList.contains("question-card")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  form.addEventListener("change", function (event) {
    var card = cardAround(event.target);
    if (card) { changed(card, 0); }
  });
  form.addEventListener("input", function (event) {
    var card = cardAround(event.target);
    if (card && (event.target.type === "text" || event.target.tagName === "TEXTAREA")) { changed(card, 800); }
  });
  window.addEventListener("online", function () { retryDelay = 2000; flush(); });
  window.addEventListener("offline", function () { if (Object.keys(pending).length) { show("offline"); } });
  window.addEventListener("pagehide", persist);

  // --- submitting ---

  var submitting = false;

  function allAnswers() {
    var answers = {};
    var list = cards();
    for (var i = 0; i < list.length; i++) {
      if (isAnswered(list[i])) { answers[list[i].getAttribute("data-question")] = readAnswer(list[i]); }
    }
    return answers;
  }

  function sendForm() {
    submitting = true;
    document.getElementById("answers-json").value = JSON.stringify(allAnswers());
    form.submit();
  }

  var confirmBox = document.getElementById("submit-confirm");
  var askButton = document.getElementById("submit-quiz");
  if (askButton && confirmBox) {
    askButton.addEventListener("click", function (event) {
      event.preventDefault();
      var list = cards();
      var missing = 0;
      for (var i = 0; i < list.length; i++) { if (!isAnswered(list[i])) { missing++; } }
      var note = document.getElementById("submit-missing");
      note.textContent = missing ? note.getAttribute("data-template").replace("{n}", missing) : "";
      note.hidden = !missing;
      var unsent = document.getElementById("submit-unsent");
      unsent.hidden = !Object.keys(pending).length;
      confirmBox.hidden = false;
      askButton.hidden = true;
      document.getElementById("submit-confirmed").focus();
    });
    document.getElementById("submit-cancel").addEventListener("click", function () {
      confirmBox.hidden = true;
      askButton.hidden = false;
      askButton.focus();
    });
  }
  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    event.preventDefault();
    sendForm();
  });

  // --- countdown to the server's deadline ---

  var clock = document.getElementById("quiz-countdown");
  var secondsLeft = root.getAttribute("data-seconds-left");
  if (clock && secondsLeft !== null && secondsLeft !== "") {
    // The server says how many seconds are left; the phone's own clock may be wrong.
    var end = Date.now() + parseInt(secondsLeft, 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      clock.textContent = (hours ? hours + ":" + (minutes < 10 ? "0" : "") : "") + minutes + ":"
        + (seconds < 10 ? "0" : "") + seconds;
      clock.classList.toggle("text-danger", left <= 60);
      if (left === 0) {
        window.clearInterval(timer);
        if (!submitting && !closed) {
          show("saving", text.timeUp);
          sendForm();
        }
      }
    };
    var timer = window.setInterval(tick, 1000);
    tick();
  }

  // --- start: answers kept on this device that the server never confirmed go back in, and out ---

  pending = restore();
  Object.keys(pending).forEach(function (id) {
    var card = cardOf(id);
    if (card) { writeAnswer(card, pending[id]); } else { delete pending[id]; }
  });
  var all = cards();
  for (var k = 0; k < all.length; k++) { markAnswered(all[k]); }
  persist();
  flush();
}());
