//! The password and the session cookie never appear in `Debug`, `Display`,
//! error messages, `tracing` output (every crate, TRACE level, `log`
//! records included), panic messages or persisted files.
//!
//! One test per binary: it installs the global tracing subscriber and the
//! panic hook.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spacetrack::{Error, Upload};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{Logs, TempDir, builder_for};

fn search(haystack: &str, secrets: &BTreeSet<String>, what: &str) {
    for s in secrets {
        assert!(
            !haystack.contains(s.as_str()),
            "a secret leaked into {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaks_anywhere() {
    let logs = Logs::everywhere(tracing::Level::TRACE);
    let panics = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = panics.clone();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.to_string();
        eprintln!("{}", text.chars().take(300).collect::<String>());
        sink.lock().unwrap().push(text);
    }));

    let sim = Simulator::builder().objects(300).start().await.unwrap();
    let cache = TempDir::new("secrets");
    let st = builder_for(&sim)
        .modeldef_cache_dir(Some(cache.0.clone()))
        .build()
        .unwrap();
    let mut secrets = BTreeSet::from([sim.password().to_owned()]);
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    let note = |secrets: &mut BTreeSet<String>| secrets.extend(sim.session_tokens());

    // Successful work of every kind.
    st.gp().norad_cat_id(25544).send().await.unwrap();
    note(&mut secrets);
    texts.push((
        "Debug of a logged-in client".into(),
        format!("{st:?} {st:#?}"),
    ));
    st.get_predicates("gp").await.unwrap();
    st.upload(1, Upload::bytes("a.txt", "x")).await.unwrap();
    st.fileshare_download().file_id(101).send().await.unwrap();

    // Every kind of failure.
    sim.inject([Fault::ExpireSession]);
    st.gp().limit(1).send().await.unwrap();
    note(&mut secrets);
    for fault in [
        Fault::Status(503),
        Fault::Status(503),
        Fault::Status(503),
        Fault::Status(503),
    ] {
        sim.inject([fault]);
    }
    errors.push(st.gp().limit(1).send().await.unwrap_err());
    sim.inject([
        Fault::RateLimit200,
        Fault::RateLimit200,
        Fault::RateLimit200,
    ]);
    errors.push(st.gp().limit(1).send().await.unwrap_err());
    sim.inject([Fault::InvalidJson]);
    errors.push(st.gp().limit(5).send().await.unwrap_err());
    sim.inject([Fault::SlowBody(Duration::from_millis(300)); 4]);
    errors.push(
        st.gp()
            .limit(1)
            .timeout(Duration::from_millis(50))
            .send()
            .await
            .unwrap_err(),
    );
    errors.push(st.satcat().object_name(">x").send().await.unwrap_err());
    sim.inject([Fault::ExpireSession]);
    let once = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"x"))]);
    errors.push(
        st.upload(1, Upload::stream("b.txt", once))
            .await
            .unwrap_err(),
    );
    note(&mut secrets);

    // A wrong password, a redirected login.
    let wrong = builder_for(&sim)
        .password(format!("{}-wrong", sim.password()))
        .build()
        .unwrap();
    secrets.insert(format!("{}-wrong", sim.password()));
    errors.push(wrong.gp().limit(1).send().await.unwrap_err());
    texts.push((
        "Debug of a builder".into(),
        format!("{:?}", builder_for(&sim)),
    ));
    let redirecting = Simulator::builder()
        .objects(10)
        .login_redirect(true)
        .start()
        .await
        .unwrap();
    secrets.insert(redirecting.password().to_owned());
    errors.push(
        builder_for(&redirecting)
            .build()
            .unwrap()
            .login()
            .await
            .unwrap_err(),
    );

    // The blocking client's Debug.
    let blocking = spacetrack::blocking::Client::from_async(st.clone()).unwrap();
    texts.push((
        "Debug of the blocking client".into(),
        format!("{blocking:?}"),
    ));
    drop(tokio::task::spawn_blocking(move || drop(blocking)).await);

    // Errors: Display, Debug, sources, and as panic messages.
    assert!(errors.len() >= 8);
    for e in errors {
        let mut chain = format!("{e} | {e:?}");
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            chain.push_str(&format!(" | {s} | {s:?}"));
            src = s.source();
        }
        texts.push((format!("error {e}"), chain));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            Err::<(), Error>(e).unwrap()
        }));
        assert!(r.is_err());
    }
    let client_for_panic = st.clone();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        panic!("client state: {client_for_panic:?}")
    }));

    st.close().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    for (what, text) in &texts {
        search(text, &secrets, what);
    }
    let panics = panics.lock().unwrap().join("\n");
    assert!(
        panics.contains("client state"),
        "the panic hook saw the panics"
    );
    search(&panics, &secrets, "panic messages");
    let logs = logs.text();
    assert!(logs.contains("logging in"), "tracing output was captured");
    assert!(
        logs.lines().count() > 50,
        "TRACE output from the HTTP stack too"
    );
    search(&logs, &secrets, "tracing output");

    // Persisted files hold neither.
    let mut stack = vec![cache.0.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                search(
                    &String::from_utf8_lossy(&std::fs::read(&p).unwrap()),
                    &secrets,
                    "the modeldef cache",
                );
            }
        }
    }
    assert!(files > 0);
    assert!(
        secrets.len() >= 4,
        "passwords and at least two session cookies were searched for"
    );
}
