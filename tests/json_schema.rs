//! Every JSON report validates against the schema file shipped in the repository
//! (`schema/nonce-audit-1.schema.json`), the contract for tools that read the reports.

use std::time::Duration;

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
use nonce_audit::sim::{CacheFace, RestMode, Shape, SimConfig, SimPage, SimSite};

const NOW: i64 = 1_795_532_400;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/nonce-audit-1.schema.json"
    ))
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, report: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn golden_reports_validate() {
    let v = validator();
    for file in [
        "tests/golden/report.json",
        "tests/golden/baseline/report.json",
    ] {
        let text =
            std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert_valid(&v, &serde_json::from_str(&text).unwrap(), file);
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/multi/report.json"
    ))
    .unwrap();
    let multi: serde_json::Value = serde_json::from_str(&text).unwrap();
    for site in multi["sites"].as_array().unwrap() {
        assert_valid(&v, site, "multi-site element");
    }
}

#[tokio::test]
async fn reports_of_every_kind_of_site_validate() {
    let v = validator();
    let tick_start = NOW - NOW % 43_200;
    let scenarios = vec![
        SimConfig {
            pages: vec![
                SimPage::new("/f/", Shape::WpApiSettings),
                SimPage::new("/e/", Shape::WpApiSettings).cached_at(tick_start - 60),
                SimPage::new("/d/", Shape::ApiFetch).cached_at(NOW - 3 * 86_400),
                SimPage::new("/n/", Shape::NoNonce),
                SimPage::new("/x/", Shape::Status(500)),
                SimPage::new(
                    "/wc/",
                    Shape::Template("<script>var wcBlocksMiddlewareConfig = { storeApiNonce: '{{nonce:wc_store_api}}' };</script>".into()),
                )
                .cached_at(NOW - 3 * 86_400),
            ],
            now: NOW,
            ..SimConfig::default()
        },
        SimConfig {
            pages: vec![SimPage::new("/a/", Shape::WpApiSettings)],
            rest: RestMode::BlockedAnonymous,
            now: NOW,
            ..SimConfig::default()
        },
        SimConfig {
            pages: vec![SimPage::new("/l/", Shape::WpApiSettings).cached_at(NOW - 2 * 86_400)],
            face: CacheFace::new(
                &[("x-litespeed-cache", "hit")],
                &[("x-litespeed-cache", "miss")],
                false,
                Some("<!-- Page cached by LiteSpeed Cache 7.9 on {{local}} -->"),
            ),
            gmt_offset_s: -5 * 3600,
            now: NOW,
            ..SimConfig::default()
        },
        // Every cause, a private copy and every new recommendation kind.
        nonce_audit::demo::scenario_with_causes(NOW),
        SimConfig {
            pages: vec![
                SimPage::new("/k/", Shape::WpApiSettings)
                    .copy_made_with_salt("old-keys")
                    .cached_at(NOW - 600),
                SimPage::new("/p/", Shape::NoNonce)
                    .logged_in_copy()
                    .cached_at(NOW - 600),
            ],
            now: NOW,
            ..SimConfig::default()
        },
        // Unproven causes and an unknown age (local stamps, no way to the offset).
        SimConfig {
            pages: vec![SimPage::new("/u/", Shape::WpApiSettings).cached_at(NOW - 2 * 86_400)],
            face: CacheFace::new(
                &[("x-litespeed-cache", "hit")],
                &[("x-litespeed-cache", "miss")],
                false,
                Some("<!-- Page cached by LiteSpeed Cache 7.9 on {{local}} -->"),
            ),
            gmt_offset_s: 3 * 3600,
            index_blocked: true,
            cache_ignores_query: true,
            now: NOW,
            ..SimConfig::default()
        },
    ];
    for (i, cfg) in scenarios.into_iter().enumerate() {
        let site = SimSite::start(cfg).await.unwrap();
        let mut c = AuditConfig::new(Target::parse(&format!("{}/", site.base_url())).unwrap());
        c.fetch.rate_per_host = 0.0;
        c.fetch.timeout = Duration::from_secs(3);
        c.fetch.max_tries = 1;
        let r = audit::run(&c, audit::quiet()).await.unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&nonce_audit::report::json::render(&r)).unwrap();
        assert_valid(&v, &json, &format!("scenario {i}"));
    }
}

#[test]
fn a_renamed_or_missing_key_fails_validation() {
    let v = validator();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/report.json"
    ))
    .unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let summary = report["summary"].as_object_mut().unwrap();
    let dead = summary.remove("dead").unwrap();
    summary.insert("dead_pages".into(), dead);
    assert!(!v.is_valid(&report));
    let mut report: serde_json::Value = serde_json::from_str(&text).unwrap();
    report["pages"][0]["verdict"] = "stale".into();
    assert!(!v.is_valid(&report));
}
