/* Posters pages: a thumbnail that fails to load shows its placeholder. One listener for the whole
   page (error events do not bubble, so it listens in the capture phase); images that failed before
   this script ran are found once the page is loaded. No inline handlers. */
(function () {
  "use strict";
  function broken(img) {
    var frame = img.closest(".poster-thumb-frame");
    if (frame) frame.classList.add("is-broken");
  }
  document.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("poster-thumb")) broken(target);
  }, true);
  function sweep() {
    var images = document.querySelectorAll("img.poster-thumb");
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth === 0 && images[i].getAttribute("src")) broken(images[i]);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sweep);
  else sweep();
})();
