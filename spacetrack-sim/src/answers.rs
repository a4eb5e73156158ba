//! Space-Track's fixed answers: the bodies of its errors and of the HTML
//! pages a client may meet instead of data.

/// Space-Track's answer to a request without a valid session.
pub const NOT_LOGGED_IN: &str = r#"{"error": "You must be logged in to complete this action"}"#;
/// Space-Track's answer to bad credentials (HTTP 200).
pub const LOGIN_FAILED: &str = r#"{"Login": "Failed"}"#;
/// Space-Track's rate-limit error body (HTTP 200 variant).
pub const RATE_LIMIT_BODY: &str = r#"[{"error":"You've violated your query rate limit.  Please refer to our Acceptable Use guidelines for further information on how to avoid this message in the future. ( https://www.space-track.org/documentation ) ( https://www.space-track.org/documentation )"}]"#;

/// Space-Track's answer to a query over the account's limits (HTTP 500).
pub(crate) const RATE_LIMIT_500: &str = "<html><body>Error: you have violated your query rate limit.  Please refer to our Acceptable Use guidelines.</body></html>";

/// The HTML login page a session-less request is sent to.
pub(crate) const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Space-Track.Org - Login</title></head>\
<body><form method=\"post\" action=\"/ajaxauth/login\"><input name=\"identity\">\
<input type=\"password\" name=\"password\"><button>Login</button></form></body></html>";

/// The maintenance page.
pub(crate) const MAINTENANCE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Space-Track is down for scheduled maintenance</title></head>\
<body><h1>Scheduled maintenance</h1><p>Please try again later.</p></body></html>";
