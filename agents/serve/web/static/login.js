// Sign-in: `interlace chat --web` opens /login#token=...; the fragment never reaches the
// server, so the token is posted once and then dropped from the address bar.
(() => {
  const form = document.getElementById("signin");
  const next = new URLSearchParams(location.search).get("next");
  const here = location.pathname === "/" ? location.pathname + location.search : "/";
  document.getElementById("next").value = next || here;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) {
    history.replaceState(null, "", location.pathname + location.search);
    document.getElementById("token").value = token;
    form.submit();
  }
})();
