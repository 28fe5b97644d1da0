// "Скопировать ссылку": copies the value of the field named by the button's data-copy.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  field.select();
  navigator.clipboard.writeText(field.value).then(function () {
    button.textContent = "Скопировано";
  });
});
