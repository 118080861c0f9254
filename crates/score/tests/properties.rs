//! Property tests: rates stay in [0, 1], TP is bounded, the gold scored against itself is perfect under every
//! matcher, and permuting predictions or gold changes no figure.

use claimbench_score::*;
use proptest::prelude::*;

fn gold_items(n: usize) -> Vec<GoldItem> {
    (0..n)
        .map(|j| GoldItem {
            id: format!("g{j}"),
            text: format!("gold {j}"),
            category: ["event", "quantity", "statement"][j % 3].into(),
            check_worthy: j % 2 == 0,
            evidence: Vec::new(),
        })
        .collect()
}

fn pred_items(n: usize) -> Vec<PredItem> {
    (0..n)
        .map(|i| PredItem {
            text: format!("pred {i}"),
            score: None,
            evidence: Vec::new(),
        })
        .collect()
}

/// A similarity from a small set (to make ties common) or anywhere in [-0.2, 1].
fn sim_value() -> impl Strategy<Value = f32> {
    prop_oneof![
        prop::sample::select(vec![0.0f32, 0.3, 0.5, 0.7, 0.9, 1.0]),
        -0.2f32..=1.0f32,
    ]
}

fn matrix() -> impl Strategy<Value = SimMatrix> {
    (0usize..7, 0usize..7).prop_flat_map(|(r, c)| {
        prop::collection::vec(sim_value(), r * c)
            .prop_map(move |d| SimMatrix::new(r, c, d).unwrap())
    })
}

fn doc_from(m: SimMatrix, id: &str) -> DocInput {
    DocInput {
        doc: id.into(),
        gold: gold_items(m.cols),
        pred: pred_items(m.rows),
        sim: m,
        grounding: None,
        directions: None,
    }
}

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// Maximum number of pairs >= threshold (Kuhn's augmenting paths), as an independent check.
fn max_pairs(m: &SimMatrix, t: f32) -> usize {
    fn augment(
        i: usize,
        m: &SimMatrix,
        t: f32,
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for j in 0..m.cols {
            if m.get(i, j) >= t && !seen[j] {
                seen[j] = true;
                if owner[j].is_none_or(|o| augment(o, m, t, seen, owner)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    let mut owner = vec![None; m.cols];
    (0..m.rows)
        .filter(|&i| augment(i, m, t, &mut vec![false; m.cols], &mut owner))
        .count()
}

/// Distinct lower-case texts of 1..6 words, none an article, so every normalisation keeps them distinct.
fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(
        prop::collection::vec("[b-z][a-z0-9]{1,6}", 1..6).prop_map(|w| w.join(" ")),
        1..12,
    )
    .prop_map(|s| s.into_iter().collect())
}

struct CharCounts;
impl TextEncoder for CharCounts {
    fn encode(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.0f32; 37];
                for c in t.chars() {
                    let k = match c {
                        'a'..='z' => c as usize - 'a' as usize,
                        '0'..='9' => 26 + c as usize - '0' as usize,
                        _ => 36,
                    };
                    v[k] += 1.0;
                }
                v
            })
            .collect())
    }
}

fn self_score(matcher: &dyn Matcher, texts: &[String]) -> EvalResult {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let sim = matcher.matrix(&refs, &refs).unwrap();
    let gold: Vec<GoldItem> = texts
        .iter()
        .enumerate()
        .map(|(j, t)| GoldItem {
            id: format!("g{j}"),
            text: t.clone(),
            category: "event".into(),
            check_worthy: true,
            evidence: Vec::new(),
        })
        .collect();
    let pred: Vec<PredItem> = texts
        .iter()
        .map(|t| PredItem {
            text: t.clone(),
            score: None,
            evidence: Vec::new(),
        })
        .collect();
    let doc = DocInput {
        doc: "d".into(),
        gold,
        pred,
        sim,
        grounding: None,
        directions: None,
    };
    evaluate(
        &[doc],
        &ScoreConfig::with_threshold(matcher.default_threshold()),
        &no_suspects,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rates_are_bounded(m in matrix(), t in -0.1f32..=1.0, greedy in any::<bool>()) {
        let (rows, cols) = (m.rows, m.cols);
        let mut c = ScoreConfig::with_threshold(t);
        c.assignment = if greedy { Assignment::Greedy } else { Assignment::Optimal };
        c.bootstrap.samples = 50;
        let r = evaluate(&[doc_from(m, "d")], &c, &no_suspects).unwrap();
        let k = r.micro.counts;
        prop_assert!(k.tp <= rows.min(cols));
        prop_assert_eq!(k.tp + k.fp, rows);
        prop_assert_eq!(k.tp + k.fn_, cols);
        for x in [r.micro.rates.precision, r.micro.rates.recall, r.micro.rates.f1, r.macro_.precision, r.macro_.recall,
                  r.macro_.f1, r.soft.precision, r.soft.recall, r.check_worthy.recall] {
            prop_assert!(in_unit(x), "{} out of [0, 1]", x);
        }
        for s in r.categories.values() {
            prop_assert!(in_unit(s.recall));
        }
        let ci = r.micro.intervals.unwrap();
        for iv in [ci.precision, ci.recall, ci.f1] {
            prop_assert!(in_unit(iv.low) && in_unit(iv.high) && iv.low <= iv.high);
        }
        for p in &r.documents[0].matches {
            prop_assert!(p.similarity >= t);
        }
    }

    #[test]
    fn optimal_keeps_the_most_pairs(m in matrix(), t in 0.0f32..=1.0) {
        let opt = assign(&m, t, Assignment::Optimal, None).unwrap();
        let greedy = assign(&m, t, Assignment::Greedy, None).unwrap();
        prop_assert_eq!(opt.len(), max_pairs(&m, t));
        prop_assert!(greedy.len() <= opt.len());
    }

    #[test]
    fn permutations_change_nothing(m in matrix(), t in 0.0f32..=1.0, seed in any::<u64>(), greedy in any::<bool>()) {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut rp: Vec<usize> = (0..m.rows).collect();
        let mut cp: Vec<usize> = (0..m.cols).collect();
        rp.shuffle(&mut rng);
        cp.shuffle(&mut rng);
        let permuted = SimMatrix::from_fn(m.rows, m.cols, |i, j| m.get(rp[i], cp[j]));
        let base = doc_from(m, "d");
        let mut other = doc_from(permuted, "d");
        other.gold = cp.iter().map(|&j| base.gold[j].clone()).collect();
        other.pred = rp.iter().map(|&i| base.pred[i].clone()).collect();
        let mut c = ScoreConfig::with_threshold(t);
        c.assignment = if greedy { Assignment::Greedy } else { Assignment::Optimal };
        let (a, b) = (evaluate(&[base], &c, &no_suspects).unwrap(), evaluate(&[other], &c, &no_suspects).unwrap());
        prop_assert_eq!(a.micro.counts, b.micro.counts);
        prop_assert_eq!(a.micro.rates, b.micro.rates);
        prop_assert_eq!(a.micro.intervals, b.micro.intervals);
        prop_assert_eq!(a.macro_, b.macro_);
        prop_assert!((a.soft.precision - b.soft.precision).abs() < 1e-9);
        prop_assert!((a.soft.recall - b.soft.recall).abs() < 1e-9);
        prop_assert_eq!(&a.categories, &b.categories);
        prop_assert_eq!(a.check_worthy, b.check_worthy);
        // Ties are broken in a canonical order, so even the chosen pairs are the same.
        let set = |r: &EvalResult, perm: Option<&[usize]>| {
            let mut v: Vec<(usize, String)> = r.documents[0]
                .matches
                .iter()
                .map(|m| (perm.map_or(m.pred, |p| p[m.pred]), m.gold.clone()))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(set(&a, None), set(&b, Some(&rp)));
    }

    #[test]
    fn lexical_permutations_change_nothing(texts in texts(), other in texts(), seed in any::<u64>()) {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut shuffled = other.clone();
        shuffled.shuffle(&mut rng);
        let gold: Vec<&str> = texts.iter().map(String::as_str).collect();
        for matcher in [&TokenF1Matcher as &dyn Matcher, &RougeLMatcher, &ExactMatcher] {
            let score = |pred: &[String]| {
                let p: Vec<&str> = pred.iter().map(String::as_str).collect();
                let sim = matcher.matrix(&p, &gold).unwrap();
                prop_assert!(sim.data.iter().all(|x| (0.0..=1.0).contains(x)));
                let doc = DocInput { doc: "d".into(), gold: gold_items(gold.len()), pred: pred_items(p.len()), sim,
                                     grounding: None, directions: None };
                Ok(evaluate(&[doc], &ScoreConfig::with_threshold(0.4), &no_suspects).unwrap())
            };
            let (a, b) = (score(&other)?, score(&shuffled)?);
            prop_assert_eq!(a.micro.counts, b.micro.counts);
            prop_assert!((a.soft.precision - b.soft.precision).abs() < 1e-9);
        }
    }

    #[test]
    fn gold_against_itself_is_perfect(texts in texts()) {
        let cosine = CosineMatcher::new(CharCounts);
        for matcher in [&ExactMatcher as &dyn Matcher, &TokenF1Matcher, &RougeLMatcher, &cosine] {
            let r = self_score(matcher, &texts);
            prop_assert_eq!(r.micro.counts, Counts { tp: texts.len(), fp: 0, fn_: 0 }, "{}", matcher.name());
            prop_assert_eq!(r.micro.rates, Rates { precision: 1.0, recall: 1.0, f1: 1.0 });
            prop_assert_eq!(r.macro_, Rates { precision: 1.0, recall: 1.0, f1: 1.0 });
            prop_assert!(r.soft.precision > 0.9999 && r.soft.recall > 0.9999);
            prop_assert_eq!(r.check_worthy.recall, 1.0);
        }
    }

    #[test]
    fn empty_prediction_gives_zero(n in 0usize..10) {
        let doc = doc_from(SimMatrix::zeros(0, n), "d");
        let r = evaluate(&[doc], &ScoreConfig::with_threshold(0.5), &no_suspects).unwrap();
        prop_assert_eq!(r.micro.rates, Rates { precision: 0.0, recall: 0.0, f1: 0.0 });
        prop_assert_eq!(r.micro.counts.fn_, n);
    }

    #[test]
    fn matchers_are_symmetric_where_defined(a in "[ -~]{0,40}", b in "[ -~]{0,40}") {
        prop_assert_eq!(token_f1(&a, &b), token_f1(&b, &a));
        prop_assert_eq!(rouge_l(&a, &b).fmeasure, rouge_l(&b, &a).fmeasure);
        let f = rouge_l(&a, &b);
        prop_assert!(in_unit(f.precision) && in_unit(f.recall) && in_unit(f.fmeasure));
    }
}

/// The lexical matchers as the CLI builds them (inside `IdentityFloor`).
fn floored() -> Vec<Box<dyn Matcher>> {
    [
        MatcherKind::Exact,
        MatcherKind::TokenF1,
        MatcherKind::RougeL,
    ]
    .into_iter()
    .map(|k| {
        let m = k.lexical().expect("lexical");
        Box::new(IdentityFloor::new(m)) as Box<dyn Matcher>
    })
    .collect()
}

/// The same claim written differently: case, spacing, curly quotes and end punctuation.
fn restyle(t: &str, k: u8) -> String {
    let t = t.replace('"', "\u{201c}").replace('\'', "\u{2019}");
    match k % 4 {
        0 => t.to_uppercase(),
        1 => format!("  {}  ", t.replace(' ', "  ")),
        2 => format!("{}.", t.trim_end_matches(['.', '!', '?'])),
        _ => format!("\u{201c}{}\u{201d}!", t.to_lowercase()),
    }
}

proptest! {
    #[test]
    fn every_matcher_scores_a_text_with_itself_and_its_restylings_at_the_top(
        a in "\\PC{0,60}",
        b in "\\PC{0,60}",
        k in 0u8..4,
    ) {
        for m in floored() {
            let v = restyle(&a, k);
            let sim = m.matrix(&[a.as_str(), v.as_str(), b.as_str()], &[a.as_str()]).unwrap();
            prop_assert_eq!(sim.get(0, 0), 1.0, "{} on {:?}", m.name(), a);
            prop_assert_eq!(sim.get(1, 0), 1.0, "{} on {:?} / {:?}", m.name(), a, v);
            prop_assert!(sim.get(2, 0) <= 1.0);
        }
    }

    #[test]
    fn every_matcher_is_symmetric(a in "\\PC{0,60}", b in "[a-z ]{0,40}") {
        for m in floored() {
            let ab = m.matrix(&[a.as_str()], &[b.as_str()]).unwrap().get(0, 0);
            let ba = m.matrix(&[b.as_str()], &[a.as_str()]).unwrap().get(0, 0);
            prop_assert_eq!(ab.to_bits(), ba.to_bits(), "{} on {:?} / {:?}", m.name(), a, b);
        }
    }
}
