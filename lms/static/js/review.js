/* The reviewer's decision form: what the chosen decision needs becomes required, so the browser
   says it before the server does. Approving needs a score for every criterion; requesting changes
   or rejecting needs a reason and a note for the author. The server checks the same rules. */
(function () {
  "use strict";

  var form = document.getElementById("decision-form");
  if (!form) { return; }

  function mark(field, required) {
    field.required = required;
    var label = form.querySelector("label[for='" + field.id + "']");
    if (label) { label.classList.toggle("required", required); }
  }

  function update() {
    var chosen = form.querySelector("input[name=decision]:checked");
    var decision = chosen ? chosen.value : "";
    var needsReason = decision === "request_changes" || decision === "reject";
    form.querySelectorAll("select[name^='score_']").forEach(function (select) {
      mark(select, decision === "approve");
    });
    mark(form.querySelector("#reason_code"), needsReason);
    mark(form.querySelector("#comment"), needsReason);
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "decision") { update(); }
  });
  update();
}());
