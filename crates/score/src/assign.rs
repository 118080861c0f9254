//! One-to-one assignment of predicted to gold claims, and BERTScore-style soft precision and recall.
//!
//! **Optimal** assignment maximises, among one-to-one matchings that use only pairs with similarity at or above
//! the threshold, first the *number* of pairs and then their total similarity. Pairs below the threshold can
//! therefore never displace valid ones (as they can when one maximises total similarity over the raw matrix and
//! thresholds afterwards), and one strong pair never blocks two valid ones (as it can when sub-threshold entries
//! are merely zeroed). It is solved with the `lsap` crate (a port of scipy's `linear_sum_assignment`) on weights
//! `K + s` for valid pairs (`s` the similarity rescaled to [0, 1] over the valid ones, `K` larger than any
//! matching's total `s`) and 0 for the others, separately for each connected component of the valid-pair graph,
//! so sparse documents cost little.
//!
//! **Greedy** assignment takes valid pairs from the highest similarity down, ties broken by (row, column), and
//! keeps a pair when both its claims are still free.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::matrix::SimMatrix;

/// How predicted claims are paired with gold claims.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Assignment {
    /// Maximum number of pairs at or above the threshold, then maximum total similarity.
    #[default]
    Optimal,
    /// Highest similarity first, ties by (row, column).
    Greedy,
}

impl fmt::Display for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Assignment::Optimal => "optimal",
            Assignment::Greedy => "greedy",
        })
    }
}

impl FromStr for Assignment {
    type Err = Error;

    fn from_str(s: &str) -> Result<Assignment> {
        match s.trim() {
            "optimal" => Ok(Assignment::Optimal),
            "greedy" => Ok(Assignment::Greedy),
            other => Err(Error::UnknownName {
                what: "assignment".into(),
                name: other.into(),
                expected: "optimal, greedy".into(),
            }),
        }
    }
}

/// One assigned pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Row (predicted claim index).
    pub row: usize,
    /// Column (gold claim index).
    pub col: usize,
    /// Their similarity.
    pub sim: f32,
}

/// Pairs with similarity `>= threshold`, one-to-one, sorted by row. Rows with `usable[row] == false` (when given)
/// take no part. NaN entries are never valid.
pub fn assign(
    m: &SimMatrix,
    threshold: f32,
    method: Assignment,
    usable: Option<&[bool]>,
) -> Result<Vec<Pair>> {
    if !m.is_consistent() {
        return Err(Error::MatrixShape {
            rows: m.rows,
            cols: m.cols,
            expected: m.rows * m.cols,
            got: m.data.len(),
        });
    }
    let row_ok = |i: usize| usable.is_none_or(|u| u.get(i).copied().unwrap_or(false));
    let valid = |i: usize, j: usize| row_ok(i) && m.get(i, j) >= threshold;
    let mut pairs = match method {
        Assignment::Greedy => greedy(m, &valid),
        Assignment::Optimal => optimal(m, threshold, &valid)?,
    };
    pairs.sort_by_key(|p| p.row);
    Ok(pairs)
}

fn greedy(m: &SimMatrix, valid: &dyn Fn(usize, usize) -> bool) -> Vec<Pair> {
    let mut cands: Vec<Pair> = Vec::new();
    for i in 0..m.rows {
        for j in 0..m.cols {
            if valid(i, j) {
                cands.push(Pair {
                    row: i,
                    col: j,
                    sim: m.get(i, j),
                });
            }
        }
    }
    cands.sort_by(|a, b| {
        b.sim
            .total_cmp(&a.sim)
            .then(a.row.cmp(&b.row))
            .then(a.col.cmp(&b.col))
    });
    let mut row_used = vec![false; m.rows];
    let mut col_used = vec![false; m.cols];
    let mut out = Vec::new();
    for p in cands {
        if !row_used[p.row] && !col_used[p.col] {
            row_used[p.row] = true;
            col_used[p.col] = true;
            out.push(p);
        }
    }
    out
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn optimal(
    m: &SimMatrix,
    threshold: f32,
    valid: &dyn Fn(usize, usize) -> bool,
) -> Result<Vec<Pair>> {
    let (r, c) = (m.rows, m.cols);
    // Union-find over rows (0..r) and columns (r..r+c) joined by valid pairs.
    let mut parent: Vec<usize> = (0..r + c).collect();
    let mut any = vec![false; r + c];
    for i in 0..r {
        for j in 0..c {
            if valid(i, j) {
                any[i] = true;
                any[r + j] = true;
                let (a, b) = (find(&mut parent, i), find(&mut parent, r + j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    // Group members by component root, in index order.
    let mut comp_rows: Vec<Vec<usize>> = vec![Vec::new(); r + c];
    let mut comp_cols: Vec<Vec<usize>> = vec![Vec::new(); r + c];
    for (i, &has) in any.iter().enumerate().take(r) {
        if has {
            let root = find(&mut parent, i);
            comp_rows[root].push(i);
        }
    }
    for j in 0..c {
        if any[r + j] {
            let root = find(&mut parent, r + j);
            comp_cols[root].push(j);
        }
    }
    let mut out = Vec::new();
    for root in 0..r + c {
        let (rows, cols) = (&comp_rows[root], &comp_cols[root]);
        if rows.is_empty() || cols.is_empty() {
            continue;
        }
        if rows.len() == 1 || cols.len() == 1 {
            // At most one pair: the most similar valid one, ties to the lowest index.
            let mut best: Option<Pair> = None;
            for &i in rows {
                for &j in cols {
                    if valid(i, j) {
                        let sim = m.get(i, j);
                        if best.is_none_or(|b| sim > b.sim) {
                            best = Some(Pair {
                                row: i,
                                col: j,
                                sim,
                            });
                        }
                    }
                }
            }
            out.extend(best);
            continue;
        }
        let mut top = f64::NEG_INFINITY;
        for &i in rows {
            for &j in cols {
                if valid(i, j) {
                    top = top.max(m.get(i, j) as f64);
                }
            }
        }
        let span = top - threshold as f64;
        let k = (rows.len().min(cols.len()) + 1) as f64;
        let mut w = vec![0.0f64; rows.len() * cols.len()];
        for (a, &i) in rows.iter().enumerate() {
            for (b, &j) in cols.iter().enumerate() {
                if valid(i, j) {
                    let s = if span > 0.0 {
                        ((m.get(i, j) as f64 - threshold as f64) / span).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    w[a * cols.len() + b] = k + s;
                }
            }
        }
        let (ri, ci) =
            lsap::solve(rows.len(), cols.len(), &w, true).map_err(|e| Error::Assignment {
                doc: String::new(),
                message: e.to_string(),
            })?;
        for (a, b) in ri.into_iter().zip(ci) {
            let (i, j) = (rows[a], cols[b]);
            if valid(i, j) {
                out.push(Pair {
                    row: i,
                    col: j,
                    sim: m.get(i, j),
                });
            }
        }
    }
    Ok(out)
}

/// Maximum-weight one-to-one assignment of a dense matrix (no threshold), as scipy's
/// `linear_sum_assignment(matrix, maximize=True)`: `(row_ind, col_ind)`, rows ascending.
pub fn linear_sum_assignment(
    rows: usize,
    cols: usize,
    weights: &[f64],
) -> Result<(Vec<usize>, Vec<usize>)> {
    if weights.len() != rows * cols {
        return Err(Error::MatrixShape {
            rows,
            cols,
            expected: rows * cols,
            got: weights.len(),
        });
    }
    lsap::solve(rows, cols, &weights.to_vec(), true).map_err(|e| Error::Assignment {
        doc: String::new(),
        message: e.to_string(),
    })
}

/// Sums behind BERTScore-style soft precision and recall of one document.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SoftSums {
    /// Sum over predicted claims of their best similarity to any gold claim (each clamped to [0, 1]).
    pub row_max: f64,
    /// Sum over gold claims of their best similarity to any predicted claim (each clamped to [0, 1]).
    pub col_max: f64,
}

/// Row and column maxima sums of `m`, similarities clamped to [0, 1] (NaN counts as 0). An empty side, or a
/// matrix whose data does not fit its shape, gives 0.
pub fn soft_sums(m: &SimMatrix) -> SoftSums {
    if !m.is_consistent() {
        return SoftSums::default();
    }
    let clamp = |x: f32| {
        if x.is_nan() {
            0.0
        } else {
            (x as f64).clamp(0.0, 1.0)
        }
    };
    let mut col = vec![0.0f64; m.cols];
    let mut row_max = 0.0;
    for i in 0..m.rows {
        let mut best = 0.0f64;
        for (j, &x) in m.row(i).iter().enumerate() {
            let v = clamp(x);
            best = best.max(v);
            col[j] = col[j].max(v);
        }
        row_max += best;
    }
    SoftSums {
        row_max,
        col_max: col.iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: usize, cols: usize, d: &[f32]) -> SimMatrix {
        SimMatrix::new(rows, cols, d.to_vec()).unwrap()
    }

    fn pairs(p: &[Pair]) -> Vec<(usize, usize)> {
        p.iter().map(|p| (p.row, p.col)).collect()
    }

    #[test]
    fn one_strong_pair_does_not_block_two_valid_ones() {
        // Max total over valid pairs would keep only (0,0) = 0.9 > 0.35 + 0.35; we keep both valid pairs.
        let s = m(2, 2, &[0.9, 0.35, 0.35, 0.0]);
        let p = assign(&s, 0.3, Assignment::Optimal, None).unwrap();
        assert_eq!(pairs(&p), vec![(0, 1), (1, 0)]);
        // Greedy takes the strong pair and stops.
        assert_eq!(
            pairs(&assign(&s, 0.3, Assignment::Greedy, None).unwrap()),
            vec![(0, 0)]
        );
    }

    #[test]
    fn sub_threshold_pairs_cannot_displace_valid_ones() {
        // Raw maximisation picks (0,1)+(1,0) = 1.4 and thresholding leaves (0,1) at 0.75; we keep (0,0) at 0.8.
        let s = m(2, 2, &[0.8, 0.75, 0.65, 0.0]);
        let (r, c) =
            linear_sum_assignment(2, 2, &s.data.iter().map(|x| *x as f64).collect::<Vec<_>>())
                .unwrap();
        assert_eq!((r, c), (vec![0, 1], vec![1, 0]));
        let p = assign(&s, 0.7, Assignment::Optimal, None).unwrap();
        assert_eq!(pairs(&p), vec![(0, 0)]);
        assert_eq!(p[0].sim, 0.8);
    }

    #[test]
    fn among_equal_counts_total_similarity_wins() {
        let s = m(2, 2, &[0.9, 0.8, 0.85, 0.6]);
        // (0,0)+(1,1) = 1.5 < (0,1)+(1,0) = 1.65
        assert_eq!(
            pairs(&assign(&s, 0.5, Assignment::Optimal, None).unwrap()),
            vec![(0, 1), (1, 0)]
        );
        assert_eq!(
            pairs(&assign(&s, 0.5, Assignment::Greedy, None).unwrap()),
            vec![(0, 0), (1, 1)]
        );
    }

    #[test]
    fn unusable_rows_and_empty_sides() {
        let s = m(2, 1, &[0.9, 0.8]);
        let p = assign(&s, 0.5, Assignment::Optimal, Some(&[false, true])).unwrap();
        assert_eq!(pairs(&p), vec![(1, 0)]);
        assert!(
            assign(&SimMatrix::zeros(0, 3), 0.5, Assignment::Optimal, None)
                .unwrap()
                .is_empty()
        );
        assert!(
            assign(&SimMatrix::zeros(3, 0), 0.5, Assignment::Greedy, None)
                .unwrap()
                .is_empty()
        );
        assert_eq!(soft_sums(&SimMatrix::zeros(0, 3)), SoftSums::default());
    }

    #[test]
    fn greedy_ties_break_by_row_then_col() {
        let s = m(2, 2, &[0.7, 0.7, 0.7, 0.7]);
        assert_eq!(
            pairs(&assign(&s, 0.5, Assignment::Greedy, None).unwrap()),
            vec![(0, 0), (1, 1)]
        );
    }

    #[test]
    fn soft_sums_clamp() {
        let s = m(2, 2, &[0.5, -0.2, 1.2, 0.1]);
        let t = soft_sums(&s);
        assert!((t.row_max - 1.5).abs() < 1e-9);
        assert!((t.col_max - (1.0 + 0.1)).abs() < 1e-6);
    }

    #[test]
    fn names_round_trip() {
        for a in [Assignment::Optimal, Assignment::Greedy] {
            assert_eq!(a.to_string().parse::<Assignment>().unwrap(), a);
        }
        assert!("hungarian".parse::<Assignment>().is_err());
    }
}
