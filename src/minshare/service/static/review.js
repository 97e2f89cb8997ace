// The review desk without a mouse: "d" or "w" chooses the decision and moves to the reason;
// Ctrl+Enter (or Cmd+Enter) records it. Keys typed into a text field are left alone.
(function () {
  "use strict";
  var form = document.getElementById("decide");
  if (!form) { return; }
  var reason = document.getElementById("reason");
  function choose(value) {
    var radio = document.getElementById("decision-" + value);
    radio.checked = true;
    reason.focus();
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" && target.type !== "radio");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "d") { event.preventDefault(); choose("disclose"); }
    if (event.key === "w") { event.preventDefault(); choose("withhold"); }
  });
})();
