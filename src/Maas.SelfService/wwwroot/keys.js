// The copy buttons of /keys: shown only when this script runs (without it the key stays selectable
// in its read-only field, the examples in their blocks), write the key or an example to the clipboard
// and say so to screen readers.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy-target]")) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        // The key's read-only field, or an example's <pre>.
        await navigator.clipboard.writeText("value" in field ? field.value : field.textContent);
        status.textContent = "Copied to the clipboard.";
      } catch {
        field.focus();
        if ("select" in field) {
          field.select();
        } else {
          window.getSelection().selectAllChildren(field);
        }
        status.textContent = "The browser did not allow copying: the text is selected, press Ctrl+C (⌘C on a Mac).";
      }
    });
  }
});
