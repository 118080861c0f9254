//! Statistics: counts per document and category, clusters and number conflicts.

mod common;

use claimbench_gold::{stats, Category, GoldSet};
use common::*;
use serde_json::json;

#[test]
fn counts_clusters_and_conflicts() {
    let a = "In the attack 87 people died. The meeting lasted two hours.";
    let b =
        "Officials said 89 people died. Talks went on for nearly 2 hours on Wednesday 12 April.";
    let mut ga = vec![
        claim(
            "000",
            1,
            "87 people died in the attack.",
            a,
            "87 people died",
        ),
        claim(
            "000",
            2,
            "The meeting lasted two hours.",
            a,
            "The meeting lasted two hours",
        ),
    ];
    ga[0]["cluster"] = json!("toll");
    ga[0]["category"] = json!("quantity");
    ga[1]["cluster"] = json!("length");
    ga[1]["check_worthy"] = json!(false);
    let mut gb = vec![
        claim(
            "001",
            1,
            "Officials said 89 people died.",
            b,
            "Officials said 89 people died",
        ),
        claim(
            "001",
            2,
            "The talks lasted nearly 2 hours on Wednesday 12 April.",
            b,
            "Talks went on",
        ),
        claim("001", 3, "Talks were held.", b, "Talks"),
    ];
    gb[0]["cluster"] = json!("toll");
    gb[0]["category"] = json!("statement");
    gb[1]["cluster"] = json!("length");
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(
        dir.path(),
        &[("000_a.txt", a.as_bytes()), ("001_b.txt", b.as_bytes())],
        &[
            ("000.jsonl", jsonl(&ga).as_bytes()),
            ("001.jsonl", jsonl(&gb).as_bytes()),
        ],
        true,
    );
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    let s = stats(&set);
    assert_eq!((s.documents, s.claims, s.check_worthy), (2, 5, 4));
    assert_eq!(s.per_document["000"].claims, 2);
    assert_eq!(s.per_document["000"].characters, a.chars().count());
    assert_eq!(s.per_document["001"].check_worthy, 3);
    assert_eq!(s.per_category[&Category::Event], 3);
    assert_eq!(s.per_category[&Category::Quantity], 1);
    assert_eq!(s.per_category[&Category::Position], 0);
    assert_eq!(s.clusters["toll"].docs, ["000", "001"]);
    assert_eq!(s.clusters["toll"].claims, ["000-001", "001-001"]);
    // 87 against 89 is a conflict; "two hours" against "2 hours on ... 12 April" is not (subset).
    assert_eq!(s.conflicts.len(), 1);
    assert_eq!(s.conflicts[0].cluster, "toll");
    assert_eq!(s.conflicts[0].numbers["000-001"], ["87"]);
    assert_eq!(s.conflicts[0].numbers["001-001"], ["89"]);
    // Deterministic JSON with lowercase category keys.
    let json = serde_json::to_string(&s).expect("json");
    assert_eq!(json, serde_json::to_string(&stats(&set)).expect("json"));
    assert!(json.contains("\"per_category\":{\"event\":3,"), "{json}");
}
