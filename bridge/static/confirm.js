// A button with data-confirm asks before its form is sent, saying what will happen: an apply to Moodle,
// a cancelled session or a new calendar link cannot be taken back with one more click.
document.addEventListener("submit", (event) => {
  const text = event.submitter && event.submitter.dataset.confirm;
  if (text && !window.confirm(text)) {
    event.preventDefault();
  }
});
