//! The predicted-by-gold similarity matrix.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Similarities of one document: `rows` predicted claims by `cols` gold claims, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimMatrix {
    /// Number of predicted claims.
    pub rows: usize,
    /// Number of gold claims.
    pub cols: usize,
    /// `rows * cols` similarities; entry (i, j) is at `i * cols + j`.
    pub data: Vec<f32>,
}

impl SimMatrix {
    /// A matrix from its shape and data; an error when `data.len() != rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<SimMatrix> {
        let expected = rows.checked_mul(cols).ok_or(Error::MatrixShape {
            rows,
            cols,
            expected: usize::MAX,
            got: data.len(),
        })?;
        if data.len() != expected {
            return Err(Error::MatrixShape {
                rows,
                cols,
                expected,
                got: data.len(),
            });
        }
        Ok(SimMatrix { rows, cols, data })
    }

    /// A matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> SimMatrix {
        SimMatrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A matrix whose entry (i, j) is `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f32) -> SimMatrix {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        SimMatrix { rows, cols, data }
    }

    /// Entry (row, col); panics when out of range, like slice indexing.
    pub fn get(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.cols + col]
    }

    /// Sets entry (row, col); panics when out of range, like slice indexing.
    pub fn set(&mut self, row: usize, col: usize, value: f32) {
        self.data[row * self.cols + col] = value;
    }

    /// The similarities of predicted claim `row` to every gold claim.
    pub fn row(&self, row: usize) -> &[f32] {
        &self.data[row * self.cols..(row + 1) * self.cols]
    }

    /// Whether the data length matches the shape.
    pub fn is_consistent(&self) -> bool {
        self.rows.checked_mul(self.cols) == Some(self.data.len())
    }
}
