/**
 * What a GLPI web server answers for URLs that are not the API, so that clients given the wrong
 * GLPI_URL (the GLPI base URL, index.php, a GLPI 11 path on GLPI 10) meet what they would meet on
 * a real server. Observed on GLPI 10.0.19: with GLPI's own directory as web root (`php -S`), any
 * path that is not a file falls back to index.php and gets the HTML login page, while a missing
 * script or static file is a 404; behind the `public/` web root (its PHP router), `/` and
 * `/index.php` give the login page and everything else 403 with an empty body.
 */
import { rawResponse, type ApiResponse } from './responses';

const HTML = 'text/html; charset=UTF-8';

/** A static file's extension: the web server looks for the file and answers 404. */
const STATIC_FILE = /\.(js|css|png|jpe?g|gif|svg|ico|woff2?|map|txt)$/i;
/** A PHP script other than index.php (e.g. `/api.php/v1/...` on GLPI 10): not there, 404. */
const OTHER_SCRIPT = /\.php(\/|$)/i;
const INDEX_SCRIPT = /^\/index\.php(\/|$)/i;

export type WebLayout = 'root' | 'public';

export function webServerPage(path: string, layout: WebLayout): ApiResponse {
  if (layout === 'public') {
    return path === '/' || path === '/index.php' ? loginPage() : rawResponse(403, HTML, '');
  }
  if (STATIC_FILE.test(path) || (OTHER_SCRIPT.test(path) && !INDEX_SCRIPT.test(path))) return notFoundPage(path);
  // Any other path falls back to index.php, which shows the login form.
  return loginPage();
}

/**
 * GLPI's login form, reduced to what identifies it: its title, and the authentication source
 * list whose first entry ("GLPI internal database") once made clients think of a database error.
 */
export function loginPage(): ApiResponse {
  return rawResponse(
    200,
    HTML,
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<title>Authentication - GLPI</title>\n<meta charset="utf-8" />\n</head>\n' +
      '<body>\n<form action="/front/login.php" method="post">\n' +
      '<input type="text" name="login_name" />\n<input type="password" name="login_password" />\n' +
      '<select name="auth"><option value="local">GLPI internal database</option></select>\n' +
      '<button type="submit" name="submit">Sign in</button>\n</form>\n</body>\n</html>\n',
  );
}

function notFoundPage(path: string): ApiResponse {
  return rawResponse(
    404,
    HTML,
    `<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>` +
      `<p>The requested resource <code class="url">${path.replace(/[<>&"]/g, '')}</code> was not found on this server.</p></body></html>`,
  );
}
