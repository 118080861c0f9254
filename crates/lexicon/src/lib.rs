//! The project's English word lists, as data files a linguist can read and extend.
//!
//! Number words, months, weekdays, antonym pairs, negation cues, irregular verb forms, words that
//! are not names, name aliases, affiliations and titles, and the clause cues of the `clauses`
//! extractor live in `crates/lexicon/data/`
//! (plain text or TSV, one entry a line, `#` comments; each file's header says what reads it and
//! how to extend it). They are compiled in with `include_str!`, parsed once on first use and shared
//! by every crate that reads them: the guards (`claimbench_matcher::guards`), the matcher's
//! rule-made pairs, the gold statistics and the sentence and clause splitters. A malformed or
//! duplicated line is a parse error that this crate's tests report with file and line, so it fails
//! `cargo test`, never a user's run.
//!
//! No IO at run time, no dependencies.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// The raw text of every data file, as compiled in (for tools and tests).
pub mod files {
    /// `data/numbers.tsv`: cardinals, scales, ordinals and fractions.
    pub const NUMBERS: &str = include_str!("../data/numbers.tsv");
    /// `data/months.tsv`: month names and abbreviations.
    pub const MONTHS: &str = include_str!("../data/months.tsv");
    /// `data/weekdays.txt`: days of the week.
    pub const WEEKDAYS: &str = include_str!("../data/weekdays.txt");
    /// `data/antonyms.tsv`: antonym pairs for the polarity guard.
    pub const ANTONYMS: &str = include_str!("../data/antonyms.tsv");
    /// `data/negation_cues.tsv`: negators and negating verbs.
    pub const NEGATION_CUES: &str = include_str!("../data/negation_cues.tsv");
    /// `data/irregular_verbs.tsv`: verb forms mapped to their base.
    pub const IRREGULAR_VERBS: &str = include_str!("../data/irregular_verbs.tsv");
    /// `data/not_names.txt`: capitalised sentence starts that are not names.
    pub const NOT_NAMES: &str = include_str!("../data/not_names.txt");
    /// `data/function_words.txt`: words with no fact of their own, skipped by the `align` matcher.
    pub const FUNCTION_WORDS: &str = include_str!("../data/function_words.txt");
    /// `data/antonym_edits.tsv`: one-word polarity flips for the matcher's rule-made pairs.
    pub const ANTONYM_EDITS: &str = include_str!("../data/antonym_edits.tsv");
    /// `data/clause_cues.tsv`: split cues, verbs of saying and source phrases for the `clauses` extractor.
    pub const CLAUSE_CUES: &str = include_str!("../data/clause_cues.tsv");
    /// `data/aliases.tsv`: names that refer to one entity (a country and its capital, a person and a title).
    pub const ALIASES: &str = include_str!("../data/aliases.tsv");
    /// `data/relative_time.tsv`: units of time and the words that place them before or after ("ago").
    pub const RELATIVE_TIME: &str = include_str!("../data/relative_time.tsv");
    /// `data/affiliations.tsv`: the country or organisation each person of `aliases.tsv` speaks for.
    pub const AFFILIATIONS: &str = include_str!("../data/affiliations.tsv");
    /// `data/titles.txt`: words of titles and honorifics, which name no one on their own.
    pub const TITLES: &str = include_str!("../data/titles.txt");

    /// Every data file with its name under `data/`.
    pub const ALL: [(&str, &str); 13] = [
        ("numbers.tsv", NUMBERS),
        ("months.tsv", MONTHS),
        ("weekdays.txt", WEEKDAYS),
        ("antonyms.tsv", ANTONYMS),
        ("negation_cues.tsv", NEGATION_CUES),
        ("irregular_verbs.tsv", IRREGULAR_VERBS),
        ("not_names.txt", NOT_NAMES),
        ("antonym_edits.tsv", ANTONYM_EDITS),
        ("clause_cues.tsv", CLAUSE_CUES),
        ("aliases.tsv", ALIASES),
        ("relative_time.tsv", RELATIVE_TIME),
        ("affiliations.tsv", AFFILIATIONS),
        ("titles.txt", TITLES),
    ];
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A bad line in a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file under `data/`.
    pub file: &'static str,
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "crates/lexicon/data/{}:{}: {}",
            self.file, self.line, self.message
        )
    }
}

impl std::error::Error for ParseError {}

type Parsed<T> = Result<T, ParseError>;

/// The entry lines of a file: (line number, tab-separated columns), comments and blanks skipped.
fn entries(text: &'static str) -> Vec<(usize, Vec<&'static str>)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim_end()))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(n, l)| (n, l.split('\t').map(str::trim).collect()))
        .collect()
}

fn bad(file: &'static str, line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        file,
        line,
        message: message.into(),
    }
}

/// A word: non-empty, lowercase, no spaces.
fn word(file: &'static str, line: usize, w: &'static str) -> Parsed<&'static str> {
    if w.is_empty() || w.chars().any(char::is_whitespace) {
        return Err(bad(file, line, format!("{w:?} is not a single word")));
    }
    if w.chars().any(char::is_uppercase) {
        return Err(bad(file, line, format!("{w:?} is not lowercase")));
    }
    Ok(w)
}

/// Space-separated words of a column (at least one unless `may_be_empty`).
fn word_list(
    file: &'static str,
    line: usize,
    col: &'static str,
    may_be_empty: bool,
) -> Parsed<Vec<&'static str>> {
    let ws: Vec<&'static str> = col.split(' ').filter(|w| !w.is_empty()).collect();
    if ws.is_empty() && !may_be_empty {
        return Err(bad(file, line, "an empty list of words"));
    }
    ws.into_iter().map(|w| word(file, line, w)).collect()
}

fn columns(
    file: &'static str,
    line: usize,
    cols: &[&'static str],
    min: usize,
    max: usize,
) -> Parsed<()> {
    if cols.len() < min || cols.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(bad(
            file,
            line,
            format!("{} tab-separated columns, expected {want}", cols.len()),
        ));
    }
    Ok(())
}

/// Rejects a key seen before in the same file.
fn no_duplicate<K: std::hash::Hash + Eq + fmt::Debug>(
    seen: &mut HashMap<K, usize>,
    key: K,
    file: &'static str,
    line: usize,
) -> Parsed<()> {
    if let Some(first) = seen.get(&key) {
        return Err(bad(
            file,
            line,
            format!("{key:?} is already listed on line {first}"),
        ));
    }
    seen.insert(key, line);
    Ok(())
}

/// A file of one word a line.
fn parse_words(file: &'static str, text: &'static str) -> Parsed<Vec<&'static str>> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 1, 1)?;
        let w = word(file, n, cols[0])?;
        no_duplicate(&mut seen, w, file, n)?;
        out.push(w);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// What a number word stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumberKind {
    /// A number on its own ("seven").
    Cardinal,
    /// A multiplier after a number ("hundred", "million", "dozen").
    Scale,
    /// A position ("third").
    Ordinal,
    /// A share; the value is the denominator ("fifth" is 5).
    Fraction,
}

impl NumberKind {
    /// The name used in `numbers.tsv` ("cardinal", "scale", "ordinal", "fraction").
    pub fn name(self) -> &'static str {
        match self {
            NumberKind::Cardinal => "cardinal",
            NumberKind::Scale => "scale",
            NumberKind::Ordinal => "ordinal",
            NumberKind::Fraction => "fraction",
        }
    }

    fn from_name(s: &str) -> Option<NumberKind> {
        [
            NumberKind::Cardinal,
            NumberKind::Scale,
            NumberKind::Ordinal,
            NumberKind::Fraction,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

/// One line of `numbers.tsv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberWord {
    /// The word, lowercase.
    pub word: &'static str,
    /// What it stands for.
    pub kind: NumberKind,
    /// Its value (for a fraction, the denominator).
    pub value: f64,
}

struct Numbers {
    list: Vec<NumberWord>,
    by_kind: HashMap<(NumberKind, &'static str), f64>,
}

fn parse_numbers(file: &'static str, text: &'static str) -> Parsed<Numbers> {
    let mut seen = HashMap::new();
    let mut list = Vec::new();
    let mut by_kind = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 3, 3)?;
        let w = word(file, n, cols[0])?;
        let kind = NumberKind::from_name(cols[1]).ok_or_else(|| {
            bad(
                file,
                n,
                format!(
                    "kind {:?}: expected cardinal, scale, ordinal or fraction",
                    cols[1]
                ),
            )
        })?;
        let value: f64 = cols[2]
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| bad(file, n, format!("value {:?} is not a number", cols[2])))?;
        if w.contains('-') {
            return Err(bad(
                file,
                n,
                format!("{w:?}: list single words (compounds are read by adding the parts)"),
            ));
        }
        no_duplicate(&mut seen, (kind, w), file, n)?;
        by_kind.insert((kind, w), value);
        list.push(NumberWord {
            word: w,
            kind,
            value,
        });
    }
    Ok(Numbers { list, by_kind })
}

static NUMBERS: LazyLock<Numbers> = LazyLock::new(|| {
    parse_numbers("numbers.tsv", files::NUMBERS).unwrap_or_else(|e| panic!("{e}"))
});

/// Every number word of `numbers.tsv`, in file order.
pub fn number_words() -> &'static [NumberWord] {
    &NUMBERS.list
}

/// The value of `word` (lowercase) as a number word of `kind`.
pub fn number_word(word: &str, kind: NumberKind) -> Option<f64> {
    NUMBERS.by_kind.get(&(kind, word)).copied()
}

/// The value of a cardinal word ("seven" gives 7); `None` for anything else.
pub fn cardinal(word: &str) -> Option<f64> {
    number_word(word, NumberKind::Cardinal)
}

/// The value of a cardinal word or a hyphenated compound of cardinals ("eighty-seven" gives 87).
pub fn cardinal_compound(word: &str) -> Option<f64> {
    if !word.contains('-') {
        return cardinal(word);
    }
    word.split('-').map(cardinal).sum::<Option<f64>>()
}

/// The multiplier of a scale word ("million" gives 1e6, "dozen" 12).
pub fn scale(word: &str) -> Option<f64> {
    number_word(word, NumberKind::Scale)
}

/// The position of an ordinal word ("third" gives 3).
pub fn ordinal(word: &str) -> Option<u32> {
    number_word(word, NumberKind::Ordinal).map(|v| v as u32)
}

/// The denominator of a fraction word ("fifth" and "fifths" give 5, "half" 2).
pub fn fraction_denominator(word: &str) -> Option<f64> {
    number_word(word, NumberKind::Fraction)
}

/// The cardinals up to `max`, in increasing value (`cardinals_up_to(20)`: "zero" … "twenty").
pub fn cardinals_up_to(max: f64) -> Vec<&'static str> {
    let mut v: Vec<&NumberWord> = number_words()
        .iter()
        .filter(|n| n.kind == NumberKind::Cardinal && n.value <= max)
        .collect();
    v.sort_by(|a, b| a.value.total_cmp(&b.value));
    v.into_iter().map(|n| n.word).collect()
}

/// A number as the project prints it: whole numbers without a decimal point ("87", "1500000"),
/// others in Rust's shortest form ("2.5").
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// One line of `months.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// The full name, lowercase ("january").
    pub name: &'static str,
    /// Its abbreviations, lowercase ("jan"); may be empty.
    pub abbreviations: Vec<&'static str>,
}

struct Months {
    list: Vec<Month>,
    /// word -> whether it is a full name.
    words: HashMap<&'static str, bool>,
}

fn parse_months(file: &'static str, text: &'static str) -> Parsed<Months> {
    let mut seen = HashMap::new();
    let mut list = Vec::new();
    let mut words = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 1, 2)?;
        let name = word(file, n, cols[0])?;
        let abbreviations = match cols.get(1) {
            Some(c) => word_list(file, n, c, true)?,
            None => Vec::new(),
        };
        no_duplicate(&mut seen, name, file, n)?;
        words.insert(name, true);
        for a in &abbreviations {
            no_duplicate(&mut seen, *a, file, n)?;
            words.insert(*a, false);
        }
        list.push(Month {
            name,
            abbreviations,
        });
    }
    Ok(Months { list, words })
}

static MONTHS: LazyLock<Months> =
    LazyLock::new(|| parse_months("months.tsv", files::MONTHS).unwrap_or_else(|e| panic!("{e}")));

/// The months of `months.tsv`, in calendar order.
pub fn months() -> &'static [Month] {
    &MONTHS.list
}

/// Whether `word` (lowercase) is the full name of a month ("april", not "apr").
pub fn is_month(word: &str) -> bool {
    MONTHS.words.get(word).copied().unwrap_or(false)
}

/// Whether `word` (lowercase) is a month's full name or abbreviation ("april" or "apr").
pub fn is_month_or_abbreviation(word: &str) -> bool {
    MONTHS.words.contains_key(word)
}

static WEEKDAYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    parse_words("weekdays.txt", files::WEEKDAYS).unwrap_or_else(|e| panic!("{e}"))
});

/// The days of the week of `weekdays.txt`, Monday first.
pub fn weekdays() -> &'static [&'static str] {
    &WEEKDAYS
}

/// Whether `word` (lowercase) is a day of the week.
pub fn is_weekday(word: &str) -> bool {
    WEEKDAYS.contains(&word)
}

// ---------------------------------------------------------------------------------------------
// Polarity and negation

fn parse_edits(
    file: &'static str,
    text: &'static str,
) -> Parsed<Vec<(&'static str, &'static str)>> {
    let mut seen = HashMap::new();
    let mut lines = Vec::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 2, 2)?;
        let (a, b) = (word(file, n, cols[0])?, word(file, n, cols[1])?);
        if a == b {
            return Err(bad(file, n, format!("{a:?} is its own antonym")));
        }
        no_duplicate(&mut seen, a, file, n)?;
        lines.push((n, a, b));
    }
    if let Some((n, _, b)) = lines.iter().find(|(_, _, b)| seen.contains_key(b)) {
        return Err(bad(file, *n, format!("{b:?} is also listed on the left")));
    }
    Ok(lines.into_iter().map(|(_, a, b)| (a, b)).collect())
}

static ANTONYM_EDITS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    parse_edits("antonym_edits.tsv", files::ANTONYM_EDITS).unwrap_or_else(|e| panic!("{e}"))
});

/// The (word, antonym) edits of `antonym_edits.tsv`, in file order.
pub fn antonym_edits() -> &'static [(&'static str, &'static str)] {
    &ANTONYM_EDITS
}

/// One line of `antonyms.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntonymPair {
    /// A label for people ("agreed/refused").
    pub label: &'static str,
    /// The positive forms ("agree", "agreed", ...).
    pub positive: Vec<&'static str>,
    /// The negative forms ("refuse", "refused", ...).
    pub negative: Vec<&'static str>,
}

fn parse_antonyms(file: &'static str, text: &'static str) -> Parsed<Vec<AntonymPair>> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 3, 3)?;
        let label = cols[0];
        if label.is_empty() {
            return Err(bad(file, n, "an empty label"));
        }
        no_duplicate(&mut seen, label, file, n)?;
        let positive = word_list(file, n, cols[1], false)?;
        let negative = word_list(file, n, cols[2], false)?;
        let mut forms = HashMap::new();
        for w in positive.iter().chain(&negative) {
            no_duplicate(&mut forms, *w, file, n)?;
        }
        out.push(AntonymPair {
            label,
            positive,
            negative,
        });
    }
    Ok(out)
}

static ANTONYMS: LazyLock<Vec<AntonymPair>> = LazyLock::new(|| {
    parse_antonyms("antonyms.tsv", files::ANTONYMS).unwrap_or_else(|e| panic!("{e}"))
});

/// The antonym pairs of `antonyms.tsv`, in file order (the order the polarity guard tries them).
pub fn antonyms() -> &'static [AntonymPair] {
    &ANTONYMS
}

/// How a negation cue negates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CueKind {
    /// A negator on its own ("not", "never", "without").
    Plain,
    /// A verb that negates only with a complement ("refused to", "denied that").
    Verb,
}

struct Cues {
    list: Vec<(&'static str, CueKind)>,
    map: HashMap<&'static str, CueKind>,
}

fn parse_cues(file: &'static str, text: &'static str) -> Parsed<Cues> {
    let mut seen = HashMap::new();
    let mut list = Vec::new();
    let mut map = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 2, 2)?;
        let w = word(file, n, cols[0])?;
        let kind = match cols[1] {
            "plain" => CueKind::Plain,
            "verb" => CueKind::Verb,
            k => return Err(bad(file, n, format!("kind {k:?}: expected plain or verb"))),
        };
        no_duplicate(&mut seen, w, file, n)?;
        list.push((w, kind));
        map.insert(w, kind);
    }
    Ok(Cues { list, map })
}

static CUES: LazyLock<Cues> = LazyLock::new(|| {
    parse_cues("negation_cues.tsv", files::NEGATION_CUES).unwrap_or_else(|e| panic!("{e}"))
});

/// The negation cues of `negation_cues.tsv`, in file order.
pub fn negation_cues() -> &'static [(&'static str, CueKind)] {
    &CUES.list
}

/// The kind of negation cue `word` (lowercase) is, if it is one.
pub fn negation_cue(word: &str) -> Option<CueKind> {
    CUES.map.get(word).copied()
}

// ---------------------------------------------------------------------------------------------
// Verbs and names

struct Irregular {
    list: Vec<(&'static str, &'static str)>,
    map: HashMap<&'static str, &'static str>,
}

fn parse_irregular(file: &'static str, text: &'static str) -> Parsed<Irregular> {
    let mut seen = HashMap::new();
    let mut list = Vec::new();
    let mut map = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 2, 2)?;
        let form = word(file, n, cols[0])?;
        let base = word(file, n, cols[1])?;
        no_duplicate(&mut seen, form, file, n)?;
        list.push((form, base));
        map.insert(form, base);
    }
    Ok(Irregular { list, map })
}

static IRREGULAR: LazyLock<Irregular> = LazyLock::new(|| {
    parse_irregular("irregular_verbs.tsv", files::IRREGULAR_VERBS).unwrap_or_else(|e| panic!("{e}"))
});

/// The (form, base) lines of `irregular_verbs.tsv`, in file order.
pub fn irregular_verbs() -> &'static [(&'static str, &'static str)] {
    &IRREGULAR.list
}

/// The base of an irregular verb form ("met" gives "meet"); `None` when it is not listed.
pub fn irregular_base(form: &str) -> Option<&'static str> {
    IRREGULAR.map.get(form).copied()
}

static NOT_NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    parse_words("not_names.txt", files::NOT_NAMES).unwrap_or_else(|e| panic!("{e}"))
});

/// The words of `not_names.txt`, in file order.
pub fn not_names() -> &'static [&'static str] {
    &NOT_NAMES
}

/// Whether `word` (lowercase) is listed as never being a name at the start of a sentence.
pub fn is_not_name(word: &str) -> bool {
    NOT_NAMES.contains(&word)
}

/// The words of a one-word-a-line file as a set; a bad file panics (the crate's tests report it first).
fn word_set(file: &'static str, text: &'static str) -> std::collections::HashSet<&'static str> {
    parse_words(file, text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .collect()
}

static TITLES: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| word_set("titles.txt", files::TITLES));

/// Whether `word` (lowercase) is listed in `titles.txt`: a word of a title, naming no one alone.
pub fn is_title(word: &str) -> bool {
    TITLES.contains(word)
}

static FUNCTION_WORDS: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| word_set("function_words.txt", files::FUNCTION_WORDS));

/// Whether `word` (lowercase) is listed in `function_words.txt`: it carries no fact of its own.
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(word)
}

// ---------------------------------------------------------------------------------------------
// Clause cues

/// The lines of `clause_cues.tsv`, by kind, each list in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClauseCues {
    /// Clause boundaries with their punctuation (", and", ";").
    pub splits: Vec<&'static str>,
    /// Participles of saying after a comma with their finite form ((", adding", "added")).
    pub participles: Vec<(&'static str, &'static str)>,
    /// Words allowed between a speaker and the verb of saying ("has", "also").
    pub auxiliaries: Vec<&'static str>,
    /// Verbs of saying, one word each ("said", "told").
    pub attributions: Vec<&'static str>,
    /// Source phrases that end a sentence ("according to").
    pub sources: Vec<&'static str>,
    /// Lowercase words that may open the speaker of a final attribution ("he", "the").
    pub speakers: Vec<&'static str>,
    /// Words that open a relative clause ("that", "which"): never inside a speaker.
    pub relatives: Vec<&'static str>,
    /// Extra verb forms that make a side of a cue a clause ("needs").
    pub verbs: Vec<&'static str>,
}

fn parse_clause_cues(file: &'static str, text: &'static str) -> Parsed<ClauseCues> {
    let mut seen = HashMap::new();
    let mut out = ClauseCues::default();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 2, 3)?;
        let cue = cols[1];
        if cue.is_empty() {
            return Err(bad(file, n, "an empty cue"));
        }
        if (cols.len() == 3) != (cols[0] == "participle") {
            return Err(bad(
                file,
                n,
                "a participle line has 3 columns, every other line 2",
            ));
        }
        if cue.chars().any(char::is_uppercase) {
            return Err(bad(file, n, format!("{cue:?} is not lowercase")));
        }
        match cols[0] {
            "split" => {
                if !cue.starts_with([',', ';']) {
                    return Err(bad(
                        file,
                        n,
                        format!("split cue {cue:?} must start with , or ;"),
                    ));
                }
                out.splits.push(cue);
            }
            "participle" => {
                if !cue.starts_with(", ") {
                    return Err(bad(file, n, format!("participle {cue:?} must start with \", \"")));
                }
                word(file, n, &cue[2..])?;
                out.participles.push((cue, word(file, n, cols[2])?));
            }
            "auxiliary" => out.auxiliaries.push(word(file, n, cue)?),
            "attribution" => out.attributions.push(word(file, n, cue)?),
            "verb" => out.verbs.push(word(file, n, cue)?),
            "speaker" => out.speakers.push(word(file, n, cue)?),
            "relative" => out.relatives.push(word(file, n, cue)?),
            "source" => {
                word_list(file, n, cue, false)?;
                out.sources.push(cue);
            }
            k => {
                return Err(bad(
                    file,
                    n,
                    format!("kind {k:?}: expected split, participle, auxiliary, attribution, source, speaker, relative or verb"),
                ))
            }
        }
        no_duplicate(&mut seen, cue, file, n)?;
    }
    Ok(out)
}

static CLAUSE_CUES: LazyLock<ClauseCues> = LazyLock::new(|| {
    parse_clause_cues("clause_cues.tsv", files::CLAUSE_CUES).unwrap_or_else(|e| panic!("{e}"))
});

/// The cues of `clause_cues.tsv`.
pub fn clause_cues() -> &'static ClauseCues {
    &CLAUSE_CUES
}

/// Whether `word` (lowercase) is a verb of saying listed in `clause_cues.tsv`.
pub fn is_attribution_verb(word: &str) -> bool {
    CLAUSE_CUES.attributions.contains(&word)
}

// ---------------------------------------------------------------------------------------------
// Aliases

/// The alias table: each entity with its names, and each name's entity.
struct Aliases {
    list: Vec<(&'static str, Vec<&'static str>)>,
    map: HashMap<&'static str, &'static str>,
    longest: usize,
}

fn parse_aliases(file: &'static str, text: &'static str) -> Parsed<Aliases> {
    let mut seen = HashMap::new();
    let mut keys = HashMap::new();
    let mut list = Vec::new();
    let mut map = HashMap::new();
    let mut longest = 0;
    for (n, cols) in entries(text) {
        if cols.len() < 2 {
            return Err(bad(file, n, "expected an entity key and at least one name"));
        }
        let key = cols[0];
        no_duplicate(&mut keys, key, file, n)?;
        let mut names = Vec::new();
        for &name in &cols[1..] {
            if name.contains('.') || name.contains("  ") {
                return Err(bad(
                    file,
                    n,
                    format!("{name:?}: a name has no periods and single spaces"),
                ));
            }
            let words = word_list(file, n, name, false)?;
            no_duplicate(&mut seen, name, file, n)?;
            longest = longest.max(words.len());
            map.insert(name, key);
            names.push(name);
        }
        list.push((key, names));
    }
    Ok(Aliases { list, map, longest })
}

static ALIASES: LazyLock<Aliases> = LazyLock::new(|| {
    parse_aliases("aliases.tsv", files::ALIASES).unwrap_or_else(|e| panic!("{e}"))
});

/// The entities of `aliases.tsv` with their names, in file order.
pub fn aliases() -> &'static [(&'static str, Vec<&'static str>)] {
    &ALIASES.list
}

/// The entity a name refers to (lowercase words joined by single spaces, no periods); `None` when no
/// line of `aliases.tsv` lists it.
pub fn alias_entity(name: &str) -> Option<&'static str> {
    ALIASES.map.get(name).copied()
}

/// The most words a name of `aliases.tsv` has.
pub fn alias_longest() -> usize {
    ALIASES.longest
}

// ---------------------------------------------------------------------------------------------
// Affiliations

/// Each entity's affiliation, both keys checked against `aliases`.
fn parse_affiliations(
    file: &'static str,
    text: &'static str,
    aliases: &Aliases,
) -> Parsed<HashMap<&'static str, &'static str>> {
    let keys: std::collections::HashSet<&str> = aliases.list.iter().map(|(k, _)| *k).collect();
    let mut seen = HashMap::new();
    let mut map = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 2, 2)?;
        for &key in &cols {
            if !keys.contains(key) {
                return Err(bad(
                    file,
                    n,
                    format!("{key:?} is not an entity key of aliases.tsv"),
                ));
            }
        }
        if cols[0] == cols[1] {
            return Err(bad(file, n, "an entity cannot speak for itself"));
        }
        no_duplicate(&mut seen, cols[0], file, n)?;
        map.insert(cols[0], cols[1]);
    }
    Ok(map)
}

static AFFILIATIONS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    parse_affiliations("affiliations.tsv", files::AFFILIATIONS, &ALIASES)
        .unwrap_or_else(|e| panic!("{e}"))
});

/// The entity (a key of `aliases.tsv`) that `entity` speaks for; `None` when `affiliations.tsv`
/// lists none.
pub fn affiliation(entity: &str) -> Option<&'static str> {
    AFFILIATIONS.get(entity).copied()
}

// ---------------------------------------------------------------------------------------------
// Relative times

/// The units of time and the direction words of `relative_time.tsv`.
struct RelativeTime {
    units: HashMap<&'static str, &'static str>,
    directions: HashMap<&'static str, &'static str>,
}

fn parse_relative_time(file: &'static str, text: &'static str) -> Parsed<RelativeTime> {
    let mut seen = HashMap::new();
    let mut units = HashMap::new();
    let mut directions = HashMap::new();
    for (n, cols) in entries(text) {
        columns(file, n, &cols, 3, 3)?;
        let name = word(file, n, cols[1])?;
        let map = match cols[0] {
            "unit" => &mut units,
            "direction" => &mut directions,
            other => {
                return Err(bad(
                    file,
                    n,
                    format!("{other:?}: a line is `unit` or `direction`"),
                ))
            }
        };
        for form in word_list(file, n, cols[2], false)? {
            no_duplicate(&mut seen, form, file, n)?;
            map.insert(form, name);
        }
    }
    Ok(RelativeTime { units, directions })
}

static RELATIVE_TIME: LazyLock<RelativeTime> = LazyLock::new(|| {
    parse_relative_time("relative_time.tsv", files::RELATIVE_TIME).unwrap_or_else(|e| panic!("{e}"))
});

/// The unit of time a word names ("weeks" gives `week`); `None` when `relative_time.tsv` lists none.
pub fn time_unit(word: &str) -> Option<&'static str> {
    RELATIVE_TIME.units.get(word).copied()
}

/// The direction a word gives a count of time units (`ago` for "ago", "before" and "earlier", `after` for
/// "after" and "later"); `None` when `relative_time.tsv` lists none.
pub fn time_direction(word: &str) -> Option<&'static str> {
    RELATIVE_TIME.directions.get(word).copied()
}

// ---------------------------------------------------------------------------------------------

/// Parses every data file, returning the first problem of each bad one.
pub fn check_all() -> Result<(), Vec<ParseError>> {
    let errors: Vec<ParseError> = [
        parse_numbers("numbers.tsv", files::NUMBERS).err(),
        parse_months("months.tsv", files::MONTHS).err(),
        parse_words("weekdays.txt", files::WEEKDAYS).err(),
        parse_antonyms("antonyms.tsv", files::ANTONYMS).err(),
        parse_cues("negation_cues.tsv", files::NEGATION_CUES).err(),
        parse_irregular("irregular_verbs.tsv", files::IRREGULAR_VERBS).err(),
        parse_words("not_names.txt", files::NOT_NAMES).err(),
        parse_words("titles.txt", files::TITLES).err(),
        parse_edits("antonym_edits.tsv", files::ANTONYM_EDITS).err(),
        parse_words("function_words.txt", files::FUNCTION_WORDS).err(),
        parse_clause_cues("clause_cues.tsv", files::CLAUSE_CUES).err(),
        parse_aliases("aliases.tsv", files::ALIASES).err(),
        parse_relative_time("relative_time.tsv", files::RELATIVE_TIME).err(),
        parse_aliases("aliases.tsv", files::ALIASES)
            .and_then(|a| parse_affiliations("affiliations.tsv", files::AFFILIATIONS, &a))
            .err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_without_duplicates() {
        assert_eq!(check_all(), Ok(()));
        for (name, text) in files::ALL {
            assert!(
                text.lines().take_while(|l| l.starts_with('#')).count() >= 3,
                "{name} needs a header comment"
            );
        }
    }

    #[test]
    fn aliases_give_each_name_its_entity() {
        assert_eq!(alias_entity("washington"), Some("us"));
        assert_eq!(alias_entity("united states"), Some("us"));
        assert_eq!(alias_entity("moscow"), Some("russia"));
        assert_eq!(alias_entity("secretary of state"), Some("tillerson"));
        assert_eq!(alias_entity("deputy foreign minister"), Some("gatilov"));
        assert_eq!(alias_entity("foreign minister"), Some("lavrov"));
        assert_eq!(alias_entity("paris"), None);
        assert!(
            alias_longest() >= 4,
            "president bashar al-assad has four words"
        );
        assert!(aliases()
            .iter()
            .any(|(k, names)| *k == "syria" && names.contains(&"damascus")));
        let dup = parse_aliases("t", "a\tx\tyy\nb\tyy\n")
            .err()
            .map(|e| e.line);
        assert_eq!(dup, Some(2), "a name listed for two entities");
        let dotted = parse_aliases("t", "a\tu.s.\n").err().map(|e| e.line);
        assert_eq!(dotted, Some(1));
    }

    #[test]
    fn affiliations_name_what_a_person_speaks_for() {
        assert_eq!(affiliation("putin"), Some("russia"));
        assert_eq!(affiliation("tillerson"), Some("us"));
        assert_eq!(affiliation("russia"), None);
        assert!(is_title("president") && !is_title("putin"));
        let a = parse_aliases("t", "x\tx\ny\ty\n").unwrap_or_else(|e| panic!("{e}"));
        let unknown = parse_affiliations("f", "x\ty\nx\tz\n", &a);
        assert_eq!(unknown.err().map(|e| e.line), Some(2), "z is no entity");
        let dup = parse_affiliations("f", "x\ty\nx\ty\n", &a);
        assert_eq!(dup.err().map(|e| e.line), Some(2));
        let own = parse_affiliations("f", "x\tx\n", &a);
        assert_eq!(own.err().map(|e| e.line), Some(1));
    }

    #[test]
    fn relative_time_words() {
        assert_eq!(time_unit("weeks"), Some("week"));
        assert_eq!(time_unit("centuries"), Some("century"));
        assert_eq!(time_unit("weekday"), None);
        assert_eq!(time_direction("earlier"), Some("ago"));
        assert_eq!(time_direction("later"), Some("after"));
        assert_eq!(time_direction("ago"), Some("ago"));
        let bad_kind = parse_relative_time("t", "unit\tday\tday\ntense\tx\ty\n");
        assert_eq!(bad_kind.err().map(|e| e.line), Some(2));
    }

    #[test]
    fn numbers() {
        assert_eq!(cardinal("seven"), Some(7.0));
        assert_eq!(cardinal("ninety"), Some(90.0));
        assert_eq!(cardinal("hundred"), None);
        assert_eq!(cardinal_compound("eighty-seven"), Some(87.0));
        assert_eq!(cardinal_compound("twenty"), Some(20.0));
        assert_eq!(cardinal_compound("six-year"), None);
        assert_eq!(scale("million"), Some(1e6));
        assert_eq!(scale("bn"), Some(1e9));
        assert_eq!(scale("dozen"), Some(12.0));
        assert_eq!(ordinal("third"), Some(3));
        assert_eq!(ordinal("second"), Some(2));
        assert_eq!(fraction_denominator("third"), Some(3.0));
        assert_eq!(fraction_denominator("quarters"), Some(4.0));
        assert_eq!(fraction_denominator("first"), None);
        let up_to_twenty = cardinals_up_to(20.0);
        assert_eq!(up_to_twenty.len(), 21);
        assert_eq!(up_to_twenty[0], "zero");
        assert_eq!(up_to_twenty[2], "two");
        assert_eq!(up_to_twenty[20], "twenty");
        assert_eq!(format_number(87.0), "87");
        assert_eq!(format_number(1.5e6), "1500000");
        assert_eq!(format_number(2.5), "2.5");
    }

    #[test]
    fn dates() {
        assert_eq!(months().len(), 12);
        assert_eq!(months()[0].name, "january");
        assert_eq!(months()[8].abbreviations, vec!["sep", "sept"]);
        assert!(is_month("may") && is_month("april") && !is_month("apr"));
        assert!(is_month_or_abbreviation("apr") && is_month_or_abbreviation("april"));
        assert!(!is_month_or_abbreviation("monday"));
        assert_eq!(weekdays().len(), 7);
        assert!(is_weekday("wednesday") && !is_weekday("Wednesday"));
    }

    #[test]
    fn words() {
        let first = &antonyms()[0];
        assert_eq!(first.label, "agreed/refused");
        assert!(first.positive.contains(&"agreed") && first.negative.contains(&"refused"));
        assert!(antonyms().len() >= 20);
        assert_eq!(antonym_edits()[0], ("agreed", "refused"));
        assert_eq!(antonym_edits().len(), 22);
        assert_eq!(negation_cue("not"), Some(CueKind::Plain));
        assert_eq!(negation_cue("n't"), Some(CueKind::Plain));
        assert_eq!(negation_cue("denied"), Some(CueKind::Verb));
        assert_eq!(negation_cue("nothing"), None);
        assert_eq!(irregular_base("met"), Some("meet"));
        assert_eq!(irregular_base("forbidden"), Some("forbid"));
        assert_eq!(irregular_base("walked"), None);
        assert!(is_not_name("meanwhile") && is_not_name("the"));
        assert!(!is_not_name("russia"));
        assert!(clause_cues().splits.contains(&", and") && clause_cues().splits.contains(&";"));
        assert_eq!(clause_cues().sources, vec!["according to"]);
        assert_eq!(clause_cues().participles[0], (", adding", "added"));
        assert!(is_attribution_verb("said") && is_attribution_verb("told"));
        assert!(!is_attribution_verb("met"));
    }

    #[test]
    fn bad_lines_are_reported_with_file_and_line() {
        let e = parse_numbers("x.tsv", "# h\nseven\tcardinal\t7\nseven\tcardinal\t7\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("crates/lexicon/data/x.tsv:3: (Cardinal, \"seven\") is already listed on line 2")
        );
        let e = parse_numbers("x.tsv", "seven\tcardinal\n").err();
        assert!(e.is_some_and(|e| e.line == 1 && e.message.contains("columns")));
        let e = parse_numbers("x.tsv", "seven\tbig\t7\n").err();
        assert!(e.is_some_and(|e| e.message.contains("kind")));
        let e = parse_words("x.txt", "\n# c\nThe\n").err();
        assert!(e.is_some_and(|e| e.line == 3 && e.message.contains("lowercase")));
        let e = parse_months("x.tsv", "may\nmarch\tmar may\n").err();
        assert!(e.is_some_and(|e| e.line == 2));
        let e = parse_edits("x.tsv", "won\tlost\nlost\twon\n").err();
        assert!(e.is_some_and(|e| e.line == 1 && e.message.contains("left")));
        let e = parse_antonyms("x.tsv", "a/b\twin\twin\n").err();
        assert!(e.is_some_and(|e| e.message.contains("already")));
        let e = parse_clause_cues(
            "c.tsv",
            "# h\nsplit\t, and\nattribution\tsaid\nsplit\t, and\n",
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("crates/lexicon/data/c.tsv:4: \", and\" is already listed on line 2")
        );
        let e = parse_clause_cues("c.tsv", "split\tand\n").err();
        assert!(e.is_some_and(|e| e.line == 1 && e.message.contains("must start with")));
        let e = parse_clause_cues("c.tsv", "\nattribution\tsaid so\n").err();
        assert!(e.is_some_and(|e| e.line == 2 && e.message.contains("single word")));
        let e = parse_clause_cues("c.tsv", "cue\tsaid\n").err();
        assert!(e.is_some_and(|e| e.message.contains("kind")));
        let e = parse_clause_cues("c.tsv", "participle\t, adding\n").err();
        assert!(e.is_some_and(|e| e.message.contains("3 columns")));
        let e = parse_clause_cues("c.tsv", "split\t, and\tx\n").err();
        assert!(e.is_some_and(|e| e.message.contains("3 columns")));
        let e = parse_clause_cues("c.tsv", "source\tAccording to\n").err();
        assert!(e.is_some_and(|e| e.message.contains("lowercase")));
    }
}
