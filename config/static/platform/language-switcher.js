// The admin header's language switcher posts as soon as a language is picked (its button stays for
// browsers without scripts).
document.addEventListener("change", (event) => {
  if (event.target.id === "language-switcher-select") event.target.form.submit();
});
