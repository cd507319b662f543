// The create form's hint about earlier enquiries about the same adult (issue 17). When the
// adult's national id, name or birth date changes, the fields are POSTed (never put in a URL) and
// the answer, an HTML fragment made by the server, is shown in the live region above the form.
(function () {
  "use strict";
  var hint = document.getElementById("same-adult-hint");
  if (!hint) { return; }
  var form = hint.closest("form");
  var names = ["subject_national_id", "subject_name", "subject_birth_date", "subject_birth_year"];
  var last = "";
  var asked = 0;  // answers can arrive out of order: only the newest question's is shown
  function ask() {
    var body = new FormData();
    var key = "";
    names.forEach(function (name) {
      var field = form.elements[name];
      var value = field ? field.value : "";
      body.append(name, value);
      key += value + "\u0000";
    });
    if (key === last) { return; }
    last = key;
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    var question = ++asked;
    fetch(hint.dataset.url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (question === asked) { hint.innerHTML = html; } })
      .catch(function () { /* the hint is a help, not a step: the form works without it */ });
  }
  names.forEach(function (name) {
    var field = form.elements[name];
    if (field) { field.addEventListener("change", ask); }
  });
})();
