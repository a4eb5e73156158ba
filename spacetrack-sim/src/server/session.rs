//! Login and logout, and admitting a request: its session, the account's
//! limits and the next queued fault.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;

use super::{error, html_page, json_response, session_token};
use crate::answers::{LOGIN_FAILED, LOGIN_PAGE, NOT_LOGGED_IN, RATE_LIMIT_500};
use crate::fault::Fault;
use crate::state::SimState;

pub(super) async fn login(
    State(st): State<Arc<SimState>>,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    st.log(Method::POST, &uri, false);
    if st.config.login_redirect {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        r.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/elsewhere"));
        return r;
    }
    let ok = form.get("identity") == Some(&st.config.identity)
        && form.get("password") == Some(&st.config.password);
    if !ok {
        return json_response(StatusCode::OK, LOGIN_FAILED);
    }
    st.manners.login(&st.config.identity, st.clock());
    let token = st.new_session();
    let mut r = match st.config.login_trickle {
        None => json_response(StatusCode::OK, "\"\""),
        Some(every) => {
            let body = Bytes::from_static(b"\"\"                  ");
            let stream = futures_util::stream::unfold(0usize, move |i| {
                let body = body.clone();
                async move {
                    if i >= body.len() {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    Some((Ok::<_, std::io::Error>(body.slice(i..=i)), i + 1))
                }
            });
            json_response(StatusCode::OK, Body::from_stream(stream))
        }
    };
    if let Ok(v) = HeaderValue::from_str(&format!("chocolatechip={token}; path=/; HttpOnly")) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub(super) async fn logout(
    State(st): State<Arc<SimState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let token = session_token(&headers);
    st.log(Method::GET, &uri, token.is_some());
    // A queued bare-status fault makes the logout fail too (the session is
    // still ended), so clients can be tested against a failing logout.
    if let Some(Fault::Status(code)) = st.peek_fault() {
        st.next_fault();
        if let Some(t) = token {
            st.sessions.lock().expect("sessions").remove(&t);
        }
        return error(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "logout failed",
        );
    }
    if let Some(t) = token {
        st.sessions.lock().expect("sessions").remove(&t);
    }
    json_response(StatusCode::OK, "\"Successfully logged out\"")
}

/// Checks the session and takes the next fault: an early answer (401, a
/// rate-limit or status fault) or the fault that shapes the body, if any.
pub(super) fn admit(st: &SimState, token: Option<&str>) -> Result<Option<Fault>, Response> {
    if !st.check_session(token) {
        return Err(json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN));
    }
    if !st.within_limits() {
        // Space-Track's answer to a violation: HTTP 500 with this text.
        let mut r = Response::new(Body::from(RATE_LIMIT_500));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return Err(r);
    }
    let Some(fault) = st.next_fault().filter(|f| *f != Fault::Pass) else {
        return Ok(None);
    };
    if let Some(r) = fault.respond_early() {
        return Err(r);
    }
    match fault {
        Fault::ExpireSession => {
            st.sessions.lock().expect("sessions").clear();
            return Err(json_response(StatusCode::UNAUTHORIZED, NOT_LOGGED_IN));
        }
        Fault::RedirectToLogin => {
            st.sessions.lock().expect("sessions").clear();
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/auth/login"));
            return Err(r);
        }
        Fault::HtmlLoginPage => {
            st.sessions.lock().expect("sessions").clear();
            return Err(html_page(LOGIN_PAGE));
        }
        _ => {}
    }
    Ok(Some(fault))
}
