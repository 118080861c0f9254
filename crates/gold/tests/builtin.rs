//! The built-in gold set: embedded files equal the repository's, hashes match, and it validates clean.

use std::collections::BTreeMap;
use std::path::PathBuf;

use claimbench_gold::{stats, validate, GoldSet, GoldSource, ProblemKind};
use claimbench_io::sha256_hex;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sums() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join("seeds/SHA256SUMS")).expect("read SHA256SUMS");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (hash, name) = l.split_once("  ").expect("sha256sum format");
            (name.to_owned(), hash.to_owned())
        })
        .collect()
}

#[test]
fn seed_hashes_match_sha256sums() {
    let sums = sums();
    assert_eq!(sums.len(), 5);
    let report = GoldSet::read_builtin();
    assert_eq!(report.set.documents.len(), 5);
    for doc in &report.set.documents {
        let on_disk = std::fs::read(repo().join("seeds").join(&doc.file_name)).expect("read seed");
        assert_eq!(
            doc.text.as_bytes(),
            on_disk.as_slice(),
            "{} embedded",
            doc.file_name
        );
        assert_eq!(
            sha256_hex(&on_disk),
            sums[&doc.file_name],
            "{}",
            doc.file_name
        );
        assert_eq!(doc.sha256, sums[&doc.file_name], "{}", doc.file_name);
    }
    assert!(!report
        .problems
        .iter()
        .any(|p| matches!(p.kind, ProblemKind::HashMismatch | ProblemKind::Checksums)));
}

#[test]
fn builtin_ids_are_the_seed_prefixes() {
    let report = GoldSet::read_builtin();
    let ids: Vec<&str> = report.set.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["000", "001", "002", "003", "004"]);
    assert_eq!(report.set.source, GoldSource::Builtin);
    assert_eq!(report.set.document("002").map(|d| d.char_len()), Some(5741));
}

#[test]
fn builtin_validates_clean() {
    let report = GoldSet::read_builtin();
    // Gold files still being written are empty; nothing else may be reported.
    let empty: Vec<String> = ["000", "001", "002", "003", "004"]
        .iter()
        .filter(|id| {
            std::fs::read(repo().join(format!("gold/{id}.jsonl")))
                .map(|b| b.iter().all(u8::is_ascii_whitespace))
                .unwrap_or(true)
        })
        .map(|id| format!("gold/{id}.jsonl"))
        .collect();
    for p in &report.problems {
        let allowed = (p.kind == ProblemKind::EmptyGold && empty.contains(&p.file))
            || (p.kind == ProblemKind::LonelyCluster && !empty.is_empty());
        assert!(allowed, "unexpected problem: {p}");
    }
    assert_eq!(report.origins.len(), report.set.claims.len());
    if empty.is_empty() {
        let set = GoldSet::builtin().expect("built-in gold set is valid");
        assert!(validate(&set).is_empty(), "{:?}", validate(&set));
        for doc in &set.documents {
            let n = set.claims_for(&doc.id).count();
            assert!((20..=80).contains(&n), "{}: {n} claims", doc.id);
        }
    }
    // Every claim read back agrees with the embedded file, line by line.
    for (claim, origin) in report.set.claims.iter().zip(&report.origins) {
        let file = repo().join(&origin.file);
        let text = std::fs::read_to_string(&file).expect("gold file");
        let line = text.lines().nth(origin.line - 1).expect("line exists");
        let json: serde_json::Value = serde_json::from_str(line).expect("json");
        assert_eq!(json["id"], claim.id.as_str());
    }
}

#[test]
fn builtin_hash_is_stable_and_order_independent() {
    let a = GoldSet::read_builtin().set;
    let mut b = a.clone();
    b.claims.reverse();
    b.documents.reverse();
    assert_eq!(a.hash(), b.hash());
    assert_eq!(a.hash().len(), 64);
    let mut c = a.clone();
    if let Some(first) = c.claims.first_mut() {
        first.check_worthy = !first.check_worthy;
        assert_ne!(a.hash(), c.hash());
    }
    let s = stats(&a);
    assert_eq!(s.claims, a.claims.len());
    assert_eq!(s.per_document.len(), 5);
    assert_eq!(s.per_category.values().sum::<usize>(), a.claims.len());
}

#[test]
fn the_repository_as_a_directory_equals_the_builtin_set() {
    let builtin = GoldSet::read_builtin();
    let dir = GoldSet::read_dir(&repo()).expect("read the repository layout");
    assert_eq!(dir.set.documents, builtin.set.documents);
    assert_eq!(dir.set.claims, builtin.set.claims);
    assert_eq!(dir.set.hash(), builtin.set.hash());
    assert_eq!(dir.problems.len(), builtin.problems.len());
    assert_eq!(dir.set.source, GoldSource::Dir(repo()));
}
