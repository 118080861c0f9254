//! `minilm-worthy`: leave-one-document-out training, determinism, and its output on the seeds.

use claimbench_extract::sentences::{segment, SentencesExtractor};
use claimbench_extract::worthy::{
    labels, train_head, MinilmWorthy, SentenceEncoder, WorthyOptions,
};
use claimbench_extract::{ClaimExtractor, Error, Result};
use claimbench_gold::GoldSet;
use claimbench_model::{registry, Embedder, EmbedderOptions};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A cheap deterministic encoder for tests that do not need the real model: hashed bag of words.
struct HashedWords;

impl SentenceEncoder for HashedWords {
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0f32; 64];
                for w in t.split_whitespace() {
                    let h = w.to_lowercase().bytes().fold(2166136261u32, |h, b| {
                        (h ^ u32::from(b)).wrapping_mul(16777619)
                    });
                    v[(h % 64) as usize] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / n).collect()
            })
            .collect())
    }
}

fn gold() -> GoldSet {
    GoldSet::builtin().expect("built-in gold set")
}

#[test]
fn leave_one_out_never_trains_on_the_predicted_article() {
    let g = gold();
    let m = MinilmWorthy::train(
        &HashedWords,
        &g.documents,
        &g.claims,
        WorthyOptions::default(),
    )
    .unwrap();
    let plan = m.plan();
    assert!(plan.is_leave_one_out());
    let ids: Vec<String> = g.documents.iter().map(|d| d.id.clone()).collect();
    assert_eq!(plan.folds.len(), 5);
    let total: usize = g
        .documents
        .iter()
        .map(|d| segment(&d.text).sentences.len())
        .sum();
    for (fold, id) in plan.folds.iter().zip(&ids) {
        assert_eq!(&fold.predicted_doc, id);
        let others: Vec<String> = ids.iter().filter(|d| *d != id).cloned().collect();
        assert_eq!(
            fold.trained_on, others,
            "fold {id} must train on exactly the other four articles"
        );
        let own = segment(&g.document(id).unwrap().text).sentences.len();
        assert_eq!(fold.train_sentences, total - own);
        assert!(fold.train_positive > 0 && fold.train_positive < fold.train_sentences);
        assert!(fold.final_loss.is_finite());
    }
}

#[test]
fn held_out_predictions_do_not_depend_on_the_held_out_labels() {
    // Flip every label of article 000 (drop its claims): 000's probabilities must not move, since no
    // head that predicts 000 saw them; the other articles' heads did see them, so theirs move.
    let g = gold();
    let opts = WorthyOptions::default();
    let a = MinilmWorthy::train(&HashedWords, &g.documents, &g.claims, opts.clone()).unwrap();
    let without: Vec<_> = g
        .claims
        .iter()
        .filter(|c| c.doc != "000")
        .cloned()
        .collect();
    let b = MinilmWorthy::train(&HashedWords, &g.documents, &without, opts).unwrap();
    let probs = |m: &MinilmWorthy, d: &str| -> Vec<f32> {
        m.scored(d).unwrap().iter().map(|s| s.probability).collect()
    };
    assert_eq!(probs(&a, "000"), probs(&b, "000"));
    assert_ne!(probs(&a, "001"), probs(&b, "001"));
}

#[test]
fn labels_follow_the_first_evidence_span_of_check_worthy_claims() {
    let g = gold();
    let d = g.document("000").unwrap();
    let sents = segment(&d.text).sentences;
    let labs = labels(&sents, "000", &g.claims);
    assert_eq!(labs.len(), sents.len());
    for (s, l) in sents.iter().zip(&labs) {
        let want = g.claims_for("000").any(|c| {
            c.check_worthy
                && c.evidence
                    .first()
                    .is_some_and(|e| e.start < s.span.end && s.span.start < e.end)
        });
        assert_eq!(*l, want);
    }
    // Opinion sentence of 000 (guidelines §5) carries no check-worthy claim.
    let i = sents
        .iter()
        .position(|s| {
            s.text
                .starts_with("And Putin doesn't seem to see the connection")
        })
        .unwrap();
    assert!(!labs[i]);
    assert!(labs.iter().filter(|l| **l).count() > labs.len() / 2);
}

#[test]
fn training_is_deterministic_and_rejects_bad_input() {
    let x = vec![
        vec![1.0, 0.0],
        vec![0.9, 0.1],
        vec![0.0, 1.0],
        vec![0.1, 0.9],
    ];
    let y = vec![true, true, false, false];
    let opts = WorthyOptions::default();
    let h1 = train_head(&x, &y, &opts).unwrap();
    let h2 = train_head(&x, &y, &opts).unwrap();
    assert_eq!(h1, h2);
    assert!(
        h1.probability(&[1.0, 0.0]) > 0.9,
        "{}",
        h1.probability(&[1.0, 0.0])
    );
    assert!(
        h1.probability(&[0.0, 1.0]) < 0.1,
        "{}",
        h1.probability(&[0.0, 1.0])
    );
    assert!(train_head(&[], &[], &opts).is_err());
    assert!(train_head(&x, &y[..2], &opts).is_err());
    assert!(train_head(&[vec![1.0], vec![1.0, 2.0]], &[true, false], &opts).is_err());
    assert!(train_head(&[vec![f32::NAN]], &[true], &opts).is_err());
    let g = gold();
    assert!(matches!(
        MinilmWorthy::train(&HashedWords, &g.documents[..1], &g.claims, opts.clone()),
        Err(Error::Training { .. })
    ));
    let bad = WorthyOptions {
        threshold: 1.5,
        ..opts
    };
    assert!(MinilmWorthy::train(&HashedWords, &g.documents, &g.claims, bad).is_err());
}

#[test]
fn unknown_or_changed_documents_are_errors() {
    let g = gold();
    let m = MinilmWorthy::train(
        &HashedWords,
        &g.documents,
        &g.claims,
        WorthyOptions::default(),
    )
    .unwrap();
    let mut d = g.documents[0].clone();
    d.text.push_str(" Extra.");
    assert!(matches!(m.extract(&d), Err(Error::Document { .. })));
    d.id = "999".into();
    assert!(matches!(m.extract(&d), Err(Error::Document { .. })));
}

fn minilm() -> &'static Embedder {
    static E: OnceLock<Embedder> = OnceLock::new();
    E.get_or_init(|| {
        let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
        let dir = registry::ensure("all-minilm-l6-v2", &models, &mut |_| {})
            .expect("fetch all-minilm-l6-v2");
        Embedder::load(&dir, &EmbedderOptions::default()).expect("load all-minilm-l6-v2")
    })
}

#[test]
fn minilm_worthy_on_the_seeds() {
    let g = gold();
    let m =
        MinilmWorthy::train(minilm(), &g.documents, &g.claims, WorthyOptions::default()).unwrap();
    assert!(m.plan().is_leave_one_out());
    let sentences = SentencesExtractor::new();
    let mut total_sel = 0;
    let mut total_all = 0;
    for d in &g.documents {
        let all = sentences.extract(d).unwrap();
        let sel = m.extract(d).unwrap();
        total_sel += sel.len();
        total_all += all.len();
        assert!(sel.len() <= all.len(), "{}", d.id);
        // Every selected claim is one of the sentences, with its probability as score.
        for c in &sel {
            let p = c.score.unwrap();
            assert!((0.5..=1.0).contains(&p), "{p}");
            assert!(all
                .iter()
                .any(|s| s.text == c.text && s.evidence == c.evidence));
        }
    }
    assert!(
        total_sel < total_all,
        "minilm-worthy selected {total_sel} of {total_all}"
    );
    assert!(total_sel > 0);
    // Same inputs, same output, byte for byte.
    let again =
        MinilmWorthy::train(minilm(), &g.documents, &g.claims, WorthyOptions::default()).unwrap();
    let a = claimbench_extract::predictions_jsonl(&m.extract_all(&g.documents).unwrap());
    let b = claimbench_extract::predictions_jsonl(&again.extract_all(&g.documents).unwrap());
    assert_eq!(a, b);
}
