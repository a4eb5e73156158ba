//! Issue 24, item 5: every request is visible. Each request that reaches
//! the server (counted there) is said once at `info`: method, URL, status
//! and the bytes of its answer, for logins, expired sessions and failed
//! attempts too, and a retry's wait is a warning; never a password or a
//! session cookie.

use std::collections::BTreeMap;

use spacetrack::Format;
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{Logs, builder_for};

#[tokio::test(flavor = "current_thread")]
async fn each_request_at_the_server_is_said_once_with_its_bytes() {
    let (logs, _guard) = Logs::on_this_thread(tracing::Level::INFO);
    let sim = Simulator::builder().objects(50).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();

    let tle = st
        .gp()
        .norad_cat_id(25544)
        .send_bytes(Format::Tle)
        .await
        .unwrap();
    assert!(!tle.is_empty());
    st.boxscore().send().await.unwrap();
    // An expired session (401, then a login and the request again) and a
    // failed attempt (503, retried).
    sim.inject([Fault::ExpireSession]);
    st.launch_site().send().await.unwrap();
    sim.inject([Fault::Status(503)]);
    st.satcat().norad_cat_id(25544).send().await.unwrap();

    let base = sim.base_url();
    let base = base.trim_end_matches('/');
    let mut at_server: BTreeMap<String, usize> = BTreeMap::new();
    for r in sim.requests() {
        *at_server
            .entry(format!("{} {base}{}", r.method, r.path))
            .or_default() += 1;
    }
    let text = logs.text();
    let mut said: BTreeMap<String, usize> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.contains(" INFO ") && l.contains(" -> "))
    {
        let request = line
            .split(" INFO ")
            .nth(1)
            .and_then(|l| l.split(" -> ").next())
            .and_then(|l| l.rsplit(": ").next())
            .unwrap_or_else(|| panic!("{line}"));
        *said.entry(request.to_owned()).or_default() += 1;
    }
    assert_eq!(said, at_server, "{text}");
    assert_eq!(
        at_server
            .keys()
            .filter(|k| k.contains("ajaxauth/login"))
            .map(|k| at_server[k])
            .sum::<usize>(),
        2,
        "a login, and one after the expiry"
    );

    // The TLE request's line gives the bytes the caller received.
    let tle_line = text
        .lines()
        .find(|l| l.contains("/class/gp/") && l.contains("format/tle"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        tle_line.contains(&format!("-> 200: {} bytes in ", tle.len())),
        "{tle_line}"
    );
    assert!(text.contains(" -> 401: "), "{text}");
    assert!(text.contains(" -> 503: "), "{text}");
    // The retry after the 503 is said as a warning, with its wait.
    assert!(
        text.lines()
            .any(|l| l.contains(" WARN ") && l.contains("503") && l.contains("; retrying in ")),
        "{text}"
    );

    assert!(!text.contains(sim.password()));
    for token in sim.session_tokens() {
        assert!(!text.contains(&token), "a session cookie was logged");
    }
}
