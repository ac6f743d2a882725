// Samenspel's small enhancements; every page works without this file.
(function () {
  "use strict";
  // Insert an @mention suggestion into its comment field at the cursor.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-mention]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-target"));
    if (!field) return;
    var text = button.getAttribute("data-mention") + " ";
    var start = field.selectionStart || field.value.length;
    var end = field.selectionEnd || start;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = start + text.length;
  });
})();
