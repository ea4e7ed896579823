//! Targets, grade bands and pass/fail.

use crate::rules::{Grade, Targets};

/// One target checked against an achieved value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetCheck {
    /// Metric name.
    pub metric: String,
    /// `>=` or `<=`.
    pub op: String,
    /// Target value.
    pub target: f64,
    /// Achieved value (None: undefined, e.g. nothing was due).
    pub achieved: Option<f64>,
    /// Pass, fail, or n/a when undefined.
    pub result: String,
}

/// Checks every target set on a rule. An undefined metric (zero denominator) is `n/a`,
/// never a failure: nothing was owed.
pub fn check_targets(t: &Targets, get: impl Fn(&str) -> Option<f64>) -> Vec<TargetCheck> {
    let mut out = Vec::new();
    for (name, target) in [
        ("visit_rate", t.visit_rate),
        ("success_rate", t.success_rate),
        ("on_time_rate", t.on_time_rate),
        ("satisfied_rate", t.satisfied_rate),
        ("score_avg", t.score_avg),
    ] {
        let Some(target) = target else { continue };
        let achieved = get(name);
        // A tiny tolerance so 0.3 computed as 3/10 passes a 0.30 target.
        let result = match achieved {
            None => "n/a",
            Some(a) if a + 1e-9 >= target => "pass",
            Some(_) => "fail",
        };
        out.push(TargetCheck {
            metric: name.into(),
            op: ">=".into(),
            target,
            achieved,
            result: result.into(),
        });
    }
    out
}

/// The grade for a mean score: the first band whose minimum it reaches.
pub fn grade(bands: &[Grade], score: Option<f64>) -> String {
    let Some(s) = score else { return String::new() };
    bands
        .iter()
        .find(|b| b.min.is_none_or(|m| s + 1e-9 >= m))
        .map_or(String::new(), |b| b.grade.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> Vec<Grade> {
        // techsvc.grade.annual: ≥9 excellent, 7–9 good, 6–7 pass, <6 fail.
        [
            (Some(9.0), "excellent"),
            (Some(7.0), "good"),
            (Some(6.0), "pass"),
            (None, "fail"),
        ]
        .iter()
        .map(|(m, g)| Grade {
            min: *m,
            grade: (*g).into(),
        })
        .collect()
    }

    #[test]
    fn grade_bands_at_their_boundaries() {
        let b = bands();
        assert_eq!(grade(&b, Some(9.0)), "excellent");
        assert_eq!(grade(&b, Some(8.99)), "good");
        assert_eq!(grade(&b, Some(7.0)), "good");
        assert_eq!(grade(&b, Some(6.0)), "pass");
        assert_eq!(grade(&b, Some(5.99)), "fail");
        assert_eq!(grade(&b, None), "");
    }

    #[test]
    fn undefined_metrics_are_not_failures() {
        let t = Targets {
            visit_rate: Some(1.0),
            success_rate: Some(0.8),
            ..Targets::default()
        };
        let c = check_targets(&t, |m| if m == "visit_rate" { None } else { Some(0.5) });
        assert_eq!(c[0].result, "n/a");
        assert_eq!(c[1].result, "fail");
        let c = check_targets(
            &Targets {
                visit_rate: Some(0.3),
                ..Targets::default()
            },
            |_| Some(3.0 / 10.0),
        );
        assert_eq!(c[0].result, "pass");
    }
}
