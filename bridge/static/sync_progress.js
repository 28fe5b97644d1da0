// Follows a queued or running sync on its page: asks for the run's progress every second, moves the bar,
// and reloads the page when there is more to show: the plan once it is made, the outcome and
// every change once the run has ended.
(function () {
  var card = document.getElementById("progress-card");
  if (!card) return;
  var kinds = JSON.parse(document.currentScript.getAttribute("data-kinds"));
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  function poll() {
    fetch(card.getAttribute("data-progress-url"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (p) {
        // Ended, or the plan has just been made: the page shows it in full (a queued run is waited for).
        var going = p.status === "running" || p.status === "queued";
        if (!going || (bar.getAttribute("data-total") === "0" && p.total > 0)) {
          window.location.reload();
          return;
        }
        bar.max = p.total || 1;
        bar.value = p.done;
        if (p.kind) {
          text.textContent = "Применяется: " + (kinds[p.kind] || p.kind) + " (шаг " + p.step + " из " + p.steps +
            "), готово " + p.done + " из " + p.total;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
