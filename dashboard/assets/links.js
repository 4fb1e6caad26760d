// A link pasted into the address bar of an open page changes only its fragment (#cert=…&year=…): the
// browser fires "hashchange", and the page is drawn again so that its filters take the link's values.
// The dashboard's own changes of the fragment (filters, menu) go through the history API, which fires
// no "hashchange".
window.addEventListener("hashchange", function () {
  window.location.reload();
});
