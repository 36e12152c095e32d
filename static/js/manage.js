// Copy buttons: a button with data-copy-target copies the value of the input it names.
// They are drawn hidden, for browsers without JavaScript, and shown here and in swapped parts.
function showCopyButtons(root) {
  for (const button of root.querySelectorAll("button[data-copy-target][hidden]")) {
    button.hidden = false;
  }
}
showCopyButtons(document);
document.addEventListener("htmx:load", (event) => showCopyButtons(event.detail.elt));
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  const label = (button.dataset.label ??= button.textContent);
  button.textContent = "Copied";
  button.classList.add("copied");
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, 2000);
});
