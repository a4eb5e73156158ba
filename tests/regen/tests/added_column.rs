//! Built with SPACETRACK_SCHEMAS_DIR pointing at schemas where gp has a
//! column the bundled schemas lack (`REENTRY_RISK decimal(5,4)`): it must be
//! a typed field and a typed filter, and the simulator serving it must be
//! filtered on it server-side.

use spacetrack::op;

#[tokio::test]
async fn a_column_added_to_the_schemas_is_typed_and_filterable() {
    let sim = spacetrack_sim::Simulator::builder()
        .objects(300)
        .extra_column("basicspacedata", "gp", "REENTRY_RISK", "decimal(5,4)")
        .start()
        .await
        .unwrap();
    let st = spacetrack::Client::builder()
        .base_url(sim.base_url())
        .allow_http(true)
        .identity(sim.identity())
        .password(sim.password())
        .modeldef_cache_dir(None)
        .build()
        .unwrap();
    // `reentry_risk` exists only because the schemas folder has it.
    let risky = st.gp().reentry_risk(op::gt(0.5)).send().await.unwrap();
    assert!(!risky.is_empty());
    for g in &risky {
        let risk: Option<f64> = g.reentry_risk;
        assert!(risk.unwrap() > 0.5, "{risk:?}");
        assert!(g.unknown_columns().is_empty(), "typed, so not unknown");
    }
    let all = st.gp().send().await.unwrap();
    assert!(risky.len() < all.len(), "the server filtered");
    let sent: Vec<String> = sim.requests().into_iter().map(|r| r.path).collect();
    assert!(
        sent.iter().any(|p| p.contains("/gp/reentry_risk/%3E0.5/")),
        "{sent:?}"
    );
    // A column of an unknown MySQL type is generated as text.
    let _footprint: &Option<String> = &risky[0].footprint;
    assert_eq!(
        spacetrack::GpField::ReentryRisk.name(),
        "REENTRY_RISK",
        "and it is a field for order_by/select"
    );
}

/// What only the schemas' notes say (Space-Track's modeldef gives these
/// columns as text) survives `spacetrack schemas pull` into a new folder:
/// each line is a type error if a pulled file lost its notes.
#[test]
fn the_notes_of_the_bundled_schemas_survive_the_pull() {
    fn typed(
        d: &spacetrack::Decay,
        h: &spacetrack::GpHistory,
    ) -> (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::NaiveDate>) {
        (d.decay_epoch, h.launch_date)
    }
    let _ = typed;
    assert_eq!(<spacetrack::Gp as spacetrack::Record>::CLASS.key, ["GP_ID"]);
    let epoch = <spacetrack::Gp as spacetrack::Record>::CLASS.column("EPOCH").unwrap();
    assert!(epoch.doc.is_some_and(|d| !d.is_empty()), "column docs kept");
}
