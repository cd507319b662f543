// After a security key is registered, go on (to the recovery codes, or back to the security
// page). django-otp-webauthn's script announces it with a bubbling event. No inline script: the
// Content-Security-Policy allows this site's own files only.
document.addEventListener("otp_webauthn.register_complete", function () {
  var box = document.getElementById("signin-register");
  if (box && box.dataset.after) {
    window.location.assign(box.dataset.after);
  }
});
