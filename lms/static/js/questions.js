/* Question pages: LaTeX between \( \) or $$ $$ rendered with the vendored KaTeX, and the authoring
   form's per-type fields and live "as the student sees it" preview. No answer is ever shown in the
   preview: it is what a student's browser would receive. */
(function () {
  "use strict";
  var DELIMITERS = [
    {left: "$$", right: "$$", display: true},
    {left: "\\(", right: "\\)", display: false},
    {left: "\\[", right: "\\]", display: true}
  ];

  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") { return; }
    var nodes = (root || document).querySelectorAll(".math");
    for (var i = 0; i < nodes.length; i++) {
      window.renderMathInElement(nodes[i], {delimiters: DELIMITERS, throwOnError: false});
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function value(form, name) {
    var field = form.elements[name];
    return field ? (field.value || "").trim() : "";
  }

  function showType(form) {
    var qtype = value(form, "qtype");
    var sets = form.querySelectorAll("[data-qtype-fields]");
    for (var i = 0; i < sets.length; i++) {
      var types = sets[i].getAttribute("data-qtype-fields").split(" ");
      var on = types.indexOf(qtype) !== -1;
      sets[i].hidden = !on;
      var inputs = sets[i].querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !on; }
    }
    var weights = form.querySelectorAll(".mc-only");
    for (var k = 0; k < weights.length; k++) { weights[k].hidden = qtype !== "multiple_choice"; }
    var radios = form.querySelectorAll(".sc-only");
    for (var m = 0; m < radios.length; m++) { radios[m].hidden = qtype !== "single_choice"; }
  }

  function preview(form, target) {
    var qtype = value(form, "qtype");
    target.textContent = "";
    var box = el("div", {"class": "math"});
    box.appendChild(el("div", {"class": "question-stem mb-2 text-break"}, value(form, "stem")));
    var i, text;
    if (qtype === "single_choice" || qtype === "multiple_choice") {
      var letter = 0;
      for (i = 0; i < 8; i++) {
        text = value(form, "opt_text_" + i);
        if (!text) { continue; }
        var row = el("div", {"class": "form-check"});
        row.appendChild(el("input", {"class": "form-check-input", type: qtype === "single_choice" ? "radio" : "checkbox", disabled: ""}));
        row.appendChild(el("label", {"class": "form-check-label text-break"}, "ABCDEFGH".charAt(letter) + ". " + text));
        box.appendChild(row);
        letter++;
      }
    } else if (qtype === "true_false") {
      box.appendChild(el("div", {"class": "text-muted"}, form.getAttribute("data-true") + " / " + form.getAttribute("data-false")));
    } else if (qtype === "true_false_group") {
      var list = el("ul", {"class": "list-unstyled"});
      for (i = 0; i < 4; i++) {
        list.appendChild(el("li", {"class": "text-break"}, "abcd".charAt(i) + ") " + value(form, "st_text_" + i)));
      }
      box.appendChild(list);
    } else if (qtype === "matching") {
      var left = el("ol", {}), right = el("ul", {}), rights = [];
      for (i = 0; i < 8; i++) {
        if (value(form, "pair_left_" + i)) { left.appendChild(el("li", {}, value(form, "pair_left_" + i))); }
        if (value(form, "pair_right_" + i)) { rights.push(value(form, "pair_right_" + i)); }
      }
      rights.sort();  // the student sees the right column in another order than the pairs
      rights.forEach(function (r) { right.appendChild(el("li", {}, r)); });
      box.appendChild(left); box.appendChild(right);
    } else if (qtype === "essay") {
      box.appendChild(el("textarea", {"class": "form-control", rows: "3", disabled: ""}));
    } else {
      box.appendChild(el("input", {"class": "form-control", type: "text", disabled: ""}));
    }
    target.appendChild(box);
    renderMath(target);
  }

  function topicFilter(form) {
    var subject = form.elements.subject, grade = form.elements.grade, topic = form.elements.topic;
    if (!subject || !grade || !topic) { return; }
    var options = topic.querySelectorAll("option[data-subject]");
    for (var i = 0; i < options.length; i++) {
      var fits = options[i].getAttribute("data-subject") === subject.value && options[i].getAttribute("data-grade") === grade.value;
      options[i].hidden = !fits;
      options[i].disabled = !fits;
    }
    var groups = topic.querySelectorAll("optgroup");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector("option:not([disabled])");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderMath(document);
    var approveAll = document.getElementById("approve-all");
    if (approveAll) {
      approveAll.addEventListener("click", function () {
        var radios = document.querySelectorAll("#bulk-list input[value=approve]");
        for (var i = 0; i < radios.length; i++) { radios[i].checked = true; }
      });
    }
    var form = document.getElementById("question-form");
    if (!form) { return; }
    var target = document.getElementById("live-preview");
    var update = function () { showType(form); topicFilter(form); if (target) { preview(form, target); } };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  });
})();
