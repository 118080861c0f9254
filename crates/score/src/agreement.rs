//! Agreement with a person: a person's one-to-one matching of predictions to gold (from their "same" links),
//! its F1, coverage and focus, and how often a matcher's assignment agrees with it.
//!
//! Pure arithmetic over indices; reading the labels is `claimbench_gold::judged`'s job. Everything is per
//! document: predictions and gold claims of one document are indexed from 0.

use crate::assign::linear_sum_assignment;
use crate::counts::{Counts, Rates};
use crate::error::Result;

/// A person's labels for one document's predictions against its gold claims.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocLinks {
    /// Number of gold claims of the document.
    pub gold: usize,
    /// Per prediction, the gold claims it states as the same fact.
    pub same: Vec<Vec<usize>>,
    /// Per prediction, the gold claims it states all of, and more.
    pub bundles: Vec<Vec<usize>>,
    /// Per prediction, whether the gold of its document states all of its content.
    pub stated_all: Vec<bool>,
}

/// A maximum one-to-one matching over `links` that, among all maximum matchings, agrees most with `prefer`
/// (per prediction, the gold claim another judge or a matcher linked it to).
pub fn max_matching(
    gold: usize,
    links: &[Vec<usize>],
    prefer: &[Option<usize>],
) -> Result<Vec<Option<usize>>> {
    let rows = links.len();
    let mut out = vec![None; rows];
    if rows == 0 || gold == 0 || links.iter().all(|l| l.is_empty()) {
        return Ok(out);
    }
    // A link is worth more than any number of agreements, so the matching is maximum first.
    let big = (rows + 1) as f64;
    let mut w = vec![0.0f64; rows * gold];
    for (i, l) in links.iter().enumerate() {
        for &j in l {
            let agree = prefer.get(i).copied().flatten() == Some(j);
            w[i * gold + j] = big + if agree { 1.0 } else { 0.0 };
        }
    }
    let (ri, ci) = linear_sum_assignment(rows, gold, &w)?;
    for (i, j) in ri.into_iter().zip(ci) {
        if w[i * gold + j] > 0.0 {
            out[i] = Some(j);
        }
    }
    Ok(out)
}

/// Totals of one system against a person, summed over documents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AgreementSums {
    /// Gold claims.
    pub gold: usize,
    /// Predictions.
    pub pred: usize,
    /// Pairs in the person's maximum matching.
    pub person_tp: usize,
    /// Pairs in the matcher's assignment.
    pub matcher_tp: usize,
    /// Gold claims some prediction states in any packaging (`same` or `bundles`).
    pub covered: usize,
    /// Predictions whose content the gold states.
    pub focused: usize,
    /// Predictions on which the matcher and the person agree (both unmatched, or linked to the same gold claim).
    pub agreed: usize,
    /// Links (prediction, gold) both made.
    pub links_both: usize,
}

impl AgreementSums {
    /// Add one document: the person's links and the matcher's assignment (per prediction, its gold claim).
    pub fn add(&mut self, person: &DocLinks, matcher: &[Option<usize>]) -> Result<()> {
        let n = person.same.len();
        let m = max_matching(person.gold, &person.same, matcher)?;
        self.gold += person.gold;
        self.pred += n;
        self.person_tp += m.iter().flatten().count();
        self.matcher_tp += matcher.iter().flatten().count();
        let mut covered = vec![false; person.gold];
        for l in person.same.iter().chain(&person.bundles) {
            for &j in l {
                covered[j] = true;
            }
        }
        self.covered += covered.iter().filter(|c| **c).count();
        self.focused += person.stated_all.iter().filter(|s| **s).count();
        for (i, theirs) in m.iter().enumerate() {
            let mine = matcher.get(i).copied().flatten();
            if mine == *theirs {
                self.agreed += 1;
                if mine.is_some() {
                    self.links_both += 1;
                }
            }
        }
        Ok(())
    }

    /// The person's precision, recall and F1.
    pub fn person(&self) -> Rates {
        rates(self.person_tp, self.pred, self.gold)
    }

    /// The matcher's precision, recall and F1.
    pub fn matcher(&self) -> Rates {
        rates(self.matcher_tp, self.pred, self.gold)
    }

    /// |F1 under the matcher − F1 under the person|.
    pub fn f1_gap(&self) -> f64 {
        (self.matcher().f1 - self.person().f1).abs()
    }

    /// Share of predictions on which the matcher and the person agree.
    pub fn link_agreement(&self) -> f64 {
        share(self.agreed, self.pred)
    }

    /// Share of gold claims stated by some prediction in any packaging.
    pub fn coverage(&self) -> f64 {
        share(self.covered, self.gold)
    }

    /// Share of predictions whose content the gold states.
    pub fn focus(&self) -> f64 {
        share(self.focused, self.pred)
    }
}

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

fn rates(tp: usize, pred: usize, gold: usize) -> Rates {
    Counts {
        tp,
        fp: pred - tp,
        fn_: gold - tp,
    }
    .rates()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(gold: usize, same: Vec<Vec<usize>>) -> DocLinks {
        let n = same.len();
        DocLinks {
            gold,
            same,
            bundles: vec![vec![]; n],
            stated_all: vec![true; n],
        }
    }

    #[test]
    fn the_matching_is_maximum_then_agrees_most() {
        // p0 may go to g0 or g1, p1 only to g0: the maximum matching is p0-g1, p1-g0 whatever p0 prefers.
        let m = max_matching(2, &[vec![0, 1], vec![0]], &[Some(0), None]).unwrap();
        assert_eq!(m, vec![Some(1), Some(0)]);
        // Two predictions of one gold claim: the preferred one gets it.
        let m = max_matching(1, &[vec![0], vec![0]], &[None, Some(0)]).unwrap();
        assert_eq!(m, vec![None, Some(0)]);
        let m = max_matching(1, &[vec![0], vec![0]], &[Some(0), None]).unwrap();
        assert_eq!(m, vec![Some(0), None]);
        assert_eq!(max_matching(0, &[vec![]], &[None]).unwrap(), vec![None]);
    }

    #[test]
    fn a_matcher_that_links_as_the_person_does_has_no_gap() {
        let doc = links(3, vec![vec![0], vec![], vec![2]]);
        let mut s = AgreementSums::default();
        s.add(&doc, &[Some(0), None, Some(2)]).unwrap();
        assert_eq!(
            (s.person_tp, s.matcher_tp, s.agreed, s.links_both),
            (2, 2, 3, 2)
        );
        assert_eq!(s.f1_gap(), 0.0);
        assert_eq!(s.link_agreement(), 1.0);
        assert!((s.coverage() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_matcher_that_credits_a_partial_overlap_is_off_by_its_f1() {
        // p1 only overlaps g1 (no "same" link) but the matcher matched it.
        let doc = links(2, vec![vec![0], vec![]]);
        let mut s = AgreementSums::default();
        s.add(&doc, &[Some(0), Some(1)]).unwrap();
        assert_eq!((s.person_tp, s.matcher_tp, s.agreed), (1, 2, 1));
        assert!((s.person().f1 - 0.5).abs() < 1e-12);
        assert!((s.matcher().f1 - 1.0).abs() < 1e-12);
        assert!((s.f1_gap() - 0.5).abs() < 1e-12);
        assert!((s.link_agreement() - 0.5).abs() < 1e-12);
    }
}
