//! Files against the simulator: fileshare upload, listing, download and
//! delete; spephemeris and publicfiles downloads.

use std::io::Read;

use bytes::Bytes;
use futures_util::TryStreamExt;
use spacetrack::{Error, Upload};
use spacetrack_sim::{Fault, Simulator};
use spacetrack_tests::{TempDir, builder_for, logins, paths_with};

async fn sim() -> (Simulator, spacetrack::Client) {
    let sim = Simulator::builder().objects(200).start().await.unwrap();
    let st = builder_for(&sim).build().unwrap();
    (sim, st)
}

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut names: Vec<String> = z
        .file_names()
        .map(|n| n.expect("entry name").into_owned())
        .collect();
    names.sort();
    names
}

/// A file's content inside a zip archive.
fn zip_entry(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    z.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn upload_list_download_delete_round_trip() {
    let (sim, st) = sim().await;
    // Content that looks like an error body must still download as data.
    let content = Bytes::from_static(br#"[{"error":"not an error, just a file"}]"#);
    let answer = st
        .upload(1, Upload::bytes("odd name #1.json", content.clone()))
        .await
        .unwrap();
    let row: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id: u64 = row[0]["FILE_ID"].as_str().unwrap().parse().unwrap();
    assert_eq!(sim.fileshare_content(id).as_deref(), Some(&content[..]));
    assert_eq!(
        paths_with(&sim, "upload"),
        ["POST /fileshare/query/class/upload/folder_id/1"]
    );

    let listed = st.fileshare_file().file_id(id as u32).send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].file_name.as_deref(), Some("odd name #1.json"));
    assert_eq!(listed[0].file_bytes, Some(content.len() as u64));
    assert_eq!(listed[0].folder_id, Some(1));

    let download = st.fileshare_download().file_id(id);
    assert!(download.url().unwrap().ends_with(&format!(
        "fileshare/query/class/download/file_id/{id}/format/stream"
    )));
    assert_eq!(download.send().await.unwrap(), content);

    let deleted = st.delete().file_id(id as u32).send().await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].file_id, id as u32);
    assert!(
        st.fileshare_file()
            .file_id(id as u32)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    match st.fileshare_download().file_id(id).send().await {
        Err(Error::Api { status: 404, .. }) => {}
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn upload_from_a_path_streams_the_file() {
    let (sim, st) = sim().await;
    let dir = TempDir::new("upload");
    let path = dir.0.join("ephemeris 2026.oem");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let answer = st.upload(2, Upload::path(&path)).await.unwrap();
    let row: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(row[0]["FILE_NAME"], "ephemeris 2026.oem");
    let id: u64 = row[0]["FILE_ID"].as_str().unwrap().parse().unwrap();
    assert_eq!(sim.fileshare_content(id), Some(content));

    match st.upload(2, Upload::path(dir.0.join("missing.oem"))).await {
        Err(Error::Io { path, .. }) => assert!(path.ends_with("missing.oem")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    match st.upload(999, Upload::bytes("a.txt", "x")).await {
        Err(Error::Api {
            status: 400,
            message,
        }) => assert!(message.contains("999"), "{message}"),
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn upload_is_resent_only_when_its_body_can_be_replayed() {
    let (sim, st) = sim().await;
    st.login().await.unwrap();

    // Expired session: log in again and resend the bytes.
    sim.inject([Fault::ExpireSession]);
    let answer = st.upload(3, Upload::bytes("a.txt", "hello")).await.unwrap();
    assert!(answer.contains("FILE_ID"));
    assert_eq!(logins(&sim), 2);
    assert_eq!(paths_with(&sim, "upload").len(), 2);

    // A server rate-limit answer: wait, then resend.
    sim.clear_requests();
    sim.inject([Fault::RateLimit500]);
    st.upload(3, Upload::bytes("b.txt", "hello")).await.unwrap();
    assert_eq!(paths_with(&sim, "upload").len(), 2);

    // A one-shot stream cannot be resent: a typed error, one attempt.
    sim.clear_requests();
    sim.inject([Fault::ExpireSession]);
    let chunks = futures_util::stream::iter([Ok(Bytes::from_static(b"once"))]);
    match st.upload(3, Upload::stream("c.txt", chunks)).await {
        Err(Error::Auth(m)) => assert!(m.contains("one-shot"), "{m}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(paths_with(&sim, "upload").len(), 1);

    // A transport-level failure is never retried for an upload.
    sim.clear_requests();
    sim.inject([Fault::Status(503)]);
    match st.upload(3, Upload::bytes("d.txt", "x")).await {
        Err(Error::Api { status: 503, .. }) => {}
        other => panic!("expected a 503, got {other:?}"),
    }
    assert_eq!(paths_with(&sim, "upload").len(), 1);

    // Without a fault, a stream uploads fine.
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from_static(b"one ")),
        Ok(Bytes::from_static(b"two")),
    ]);
    let answer = st.upload(3, Upload::stream("e.txt", chunks)).await.unwrap();
    let row: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id: u64 = row[0]["FILE_ID"].as_str().unwrap().parse().unwrap();
    assert_eq!(sim.fileshare_content(id).unwrap(), b"one two");
}

#[tokio::test]
async fn folder_downloads_are_zip_archives() {
    let (_sim, st) = sim().await;
    let flat = st.fileshare_download().folder_id(1).send().await.unwrap();
    assert_eq!(zip_names(&flat), ["readme.txt"]);
    let deep = st
        .fileshare_download()
        .folder_id(1)
        .recursive(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        zip_names(&deep),
        ["Ephemerides/ephemeris_25544.oem", "readme.txt"]
    );
    // The archive holds exactly what a single-file download returns.
    let files = st.fileshare_file().folder_id(2).send().await.unwrap();
    assert_eq!(files.len(), 1);
    let single = st
        .fileshare_download()
        .file_id(files[0].file_id as u64)
        .folder_id(2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        zip_entry(&deep, "Ephemerides/ephemeris_25544.oem"),
        &single[..]
    );
    assert_eq!(single.len() as u64, files[0].file_bytes.unwrap());
    // The file is not in folder 3.
    assert!(matches!(
        st.fileshare_download()
            .file_id(files[0].file_id as u64)
            .folder_id(3)
            .send()
            .await,
        Err(Error::Api { status: 404, .. })
    ));
}

#[tokio::test]
async fn a_download_needs_a_file_or_a_folder() {
    let (sim, st) = sim().await;
    match st.fileshare_download().send().await {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("file_id")),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
    assert!(sim.requests().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn save_to_writes_complete_files_or_nothing() {
    let (sim, st) = sim().await;
    let dir = TempDir::new("save");
    let target = dir.0.join("eph.oem");
    let n = st
        .fileshare_download()
        .file_id(102)
        .save_to(&target)
        .await
        .unwrap();
    let expected = sim.fileshare_content(102).unwrap();
    assert_eq!(n, expected.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), expected);

    // A transfer cut short is an error and leaves neither the target nor a
    // partial file behind.
    let cut = dir.0.join("cut.oem");
    sim.inject([Fault::TruncateBody]);
    match st.fileshare_download().file_id(102).save_to(&cut).await {
        Err(Error::Transport(_)) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["eph.oem"], "no partial file remains");

    // send() retries a cut transfer (a GET is idempotent) and returns the
    // whole file.
    sim.clear_requests();
    sim.inject([Fault::TruncateBody]);
    let whole = st.fileshare_download().file_id(102).send().await.unwrap();
    assert_eq!(whole, expected);
    assert_eq!(paths_with(&sim, "download").len(), 2);

    // The same through stream(): the error arrives, never a clean end.
    sim.inject([Fault::TruncateBody]);
    let mut s = st.fileshare_download().file_id(102).stream().await.unwrap();
    let mut got = 0;
    let end = loop {
        match s.try_next().await {
            Ok(Some(c)) => got += c.len(),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert!(end.is_err(), "a cut download must end in an error");
    assert!(got < expected.len());
}

#[tokio::test]
async fn spephemeris_listing_matches_downloads() {
    let (sim, st) = sim().await;
    let files = st.spephemeris_file().send().await.unwrap();
    assert_eq!(files.len(), 5);
    let history = st.file_history().send().await.unwrap();
    let mut listed: Vec<u32> = files.iter().map(|f| f.file_id).collect();
    let mut in_history: Vec<u32> = history.iter().map(|h| h.file_id).collect();
    listed.sort();
    in_history.sort();
    assert_eq!(listed, in_history);
    assert_eq!(files[0].norad_cat_id, Some(sim.norad_ids()[0]));
    for f in &files {
        let body = st
            .spephemeris_download()
            .file_id(f.file_id as u64)
            .send()
            .await
            .unwrap();
        assert_eq!(body.len() as u64, f.file_size.unwrap());
        assert!(
            body.starts_with(b"CCSDS_OEM_VERS = 2.0\r\n"),
            "bytes untouched (CRLF kept)"
        );
    }
    let all = st.spephemeris_download().send().await.unwrap();
    let mut names: Vec<String> = files.iter().map(|f| f.file_name.clone().unwrap()).collect();
    names.sort();
    assert_eq!(zip_names(&all), names);
    assert!(
        st.spephemeris_download()
            .url()
            .unwrap()
            .ends_with("spephemeris/query/class/download/format/stream")
    );
}

#[tokio::test]
async fn publicfiles_dirs_listing_and_download() {
    let (sim, st) = sim().await;
    let dirs = st.public_dirs().await.unwrap();
    assert!(!dirs.is_empty());
    assert!(dirs.iter().all(|d| d.starts_with("public-data-files-")));
    let files = st.public_files().await.unwrap();
    assert!(files.len() >= 2);
    for f in &files {
        assert!(dirs.iter().any(|d| f.link.starts_with(d.as_str())));
        let body = st.public_download(&f.link).send().await.unwrap();
        let approx = f.size_bytes().unwrap() as i64;
        assert!(
            (body.len() as i64 - approx).abs() <= 10,
            "{} vs {}",
            body.len(),
            f.size
        );
    }
    let url = st.public_download("some file.txt").url().unwrap();
    assert!(
        url.ends_with("publicfiles/query/class/download/format/stream?name=some+file.txt"),
        "{url}"
    );
    let tricky = st.public_download("a&b=c/d?e#f").url().unwrap();
    assert!(tricky.ends_with("?name=a%26b%3Dc%2Fd%3Fe%23f"), "{tricky}");
    assert!(matches!(
        st.public_download("no-such-file").send().await,
        Err(Error::Api { status: 404, .. })
    ));
    assert!(matches!(
        st.public_download("").send().await,
        Err(Error::InvalidArgument(_))
    ));
    let sent = paths_with(&sim, "publicfiles");
    assert!(
        sent.iter()
            .any(|p| p == "GET /publicfiles/query/class/dirs")
    );
}
