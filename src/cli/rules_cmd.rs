//! `huifang rules list` and `huifang rules explain FILE [RULE]`: the shipped rule files,
//! and each rule in plain words (English, or Chinese with `--lang zh`).

use super::Ui;
use crate::error::Error;
use crate::io::write::{emit, render, Format, Grid, WriteOptions};
use crate::rules::load::{load_all, load_one, Overrides};
use crate::rules::{Assignee, CadenceTarget, Condition, Rate, Rule, RuleSet, Schedule};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    cmd: RulesCmd,
}

#[derive(Debug, Subcommand)]
enum RulesCmd {
    /// Every rule file in DIR (default: rules/) with its industry, rule count and description.
    List {
        /// Directory of rule files.
        #[arg(long, default_value = "rules")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Each rule of FILE in plain words: trigger, window, rate or cadence, channel, assignee,
    /// exclusions, targets and source.
    Explain {
        /// Rule file.
        file: PathBuf,
        /// Only this rule.
        rule: Option<String>,
        /// Language: en or zh.
        #[arg(long, default_value = "en", value_parser = ["en", "zh"])]
        lang: String,
    },
}

/// Runs `rules`.
pub fn run(a: &RulesArgs, _ui: Ui) -> anyhow::Result<ExitCode> {
    match &a.cmd {
        RulesCmd::List { dir, format } => {
            let files = crate::rules::load::files_in(dir).map_err(|e| Error::io(dir, e))?;
            let rules = load_all(&files, &Overrides::default()).map_err(Error::Invalid)?;
            let mut g = Grid::new(&[
                "file",
                "industry",
                "version",
                "rules",
                "variants",
                "description",
                "description_zh",
            ])
            .numeric(&["rules", "variants"]);
            for (s, f) in rules.sets.iter().zip(&files) {
                g.rows.push(vec![
                    f.display().to_string(),
                    s.industry.clone(),
                    s.version.clone(),
                    s.rules.len().to_string(),
                    s.variants.len().to_string(),
                    s.description.clone(),
                    s.description_zh.clone(),
                ]);
            }
            emit(None, &render(&g, *format, WriteOptions::default()))?;
        }
        RulesCmd::Explain { file, rule, lang } => {
            let set = load_one(file, &Overrides::default()).map_err(Error::Invalid)?;
            let zh = lang == "zh";
            let mut out = header(&set, zh);
            let mut found = false;
            for r in set
                .rules
                .iter()
                .filter(|r| rule.as_ref().is_none_or(|x| *x == r.short_id || *x == r.id))
            {
                found = true;
                out.push_str(&explain_rule(r, zh));
            }
            if !found {
                return Err(Error::Usage(format!(
                    "no rule `{}` in {}",
                    rule.clone().unwrap_or_default(),
                    file.display()
                ))
                .into());
            }
            if rule.is_none() && !set.variants.is_empty() {
                out.push_str(if zh {
                    "\n可选变体（--variant 名称）:\n"
                } else {
                    "\nVariants (select with --variant NAME):\n"
                });
                for v in &set.variants {
                    out.push_str(&format!("  {}: {} [{}]\n", v.name, v.description, v.source));
                }
            }
            emit(None, out.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn header(s: &RuleSet, zh: bool) -> String {
    let cal = s
        .calls
        .calendar_path
        .as_deref()
        .map_or_else(|| "-".to_string(), |p| Path::new(p).display().to_string());
    // One layout, two sets of words.
    let (title, desc, version, calendar, calls_on, hours_label, sep, open, close) = if zh {
        (
            &s.title_zh,
            &s.description_zh,
            "版本",
            "日历",
            "可回访日",
            "回访时段",
            "；",
            "（",
            "）",
        )
    } else {
        (
            &s.title,
            &s.description,
            "version",
            "calendar",
            "calls on",
            "calling hours",
            "; ",
            " (",
            ")",
        )
    };
    format!(
        "{title}{open}{version} {}{close}\n{desc}\n{calendar}: {cal}{sep}{calls_on}: {}{sep}{hours_label}: {}\n",
        s.version,
        s.calls.call_on.as_str(),
        hours(&s.calls.hours)
    )
}

fn hours(h: &crate::calendar::hours::CallHours) -> String {
    let mut s = h.default.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    for season in &h.seasons {
        s.push_str(&format!(
            "; {} ({:02}-{:02}..{:02}-{:02}): {}",
            season.name,
            season.from.0,
            season.from.1,
            season.to.0,
            season.to.1,
            season
                .hours
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if s.is_empty() {
        "any".into()
    } else {
        s
    }
}

fn who(a: &Assignee, zh: bool) -> String {
    match a {
        Assignee::Role(r) => r.clone(),
        Assignee::Column(c) => {
            if zh {
                format!("工单列 `{c}` 中的人员")
            } else {
                format!("the person in column `{c}`")
            }
        }
        Assignee::By { column, map, default } => {
            let m: Vec<String> = map.iter().map(|(k, v)| format!("{k} → {v}")).collect();
            if zh {
                format!("按 `{column}`: {}，其他 → {default}", m.join("，"))
            } else {
                format!("by `{column}`: {}, otherwise {default}", m.join(", "))
            }
        }
    }
}

/// `` `closed_at` `` or `` the earliest of `a`, `b` ``.
fn anchors(st: &crate::rules::Step) -> String {
    if st.alt_anchors.is_empty() {
        format!("`{}`", st.anchor)
    } else {
        let all: Vec<String> = std::iter::once(format!("`{}`", st.anchor))
            .chain(st.alt_anchors.iter().map(|(a, o)| {
                if o.n == 0 {
                    format!("`{a}`")
                } else {
                    format!("`{a}` + {o}")
                }
            }))
            .collect();
        format!("the earliest of {}", all.join(", "))
    }
}

fn explain_rule(r: &Rule, zh: bool) -> String {
    let mut s = String::new();
    let title = if zh && !r.title_zh.is_empty() {
        &r.title_zh
    } else {
        &r.title
    };
    s.push_str(&format!("\n[{}] {title}\n", r.id));
    let kinds = if r.kinds.is_empty() {
        "-".to_string()
    } else {
        r.kinds.join(", ")
    };
    let matches: Vec<String> = r
        .matches
        .iter()
        .map(|(c, v)| format!("{c} ∈ {{{}}}", v.join(", ")))
        .collect();
    match &r.cadence {
        None => {
            s.push_str(&if zh {
                format!(
                    "  触发: 工单类型 {kinds}{}\n",
                    if matches.is_empty() {
                        String::new()
                    } else {
                        format!("，且 {}", matches.join("，"))
                    }
                )
            } else {
                format!(
                    "  trigger: orders of kind {kinds}{}\n",
                    if matches.is_empty() {
                        String::new()
                    } else {
                        format!(" where {}", matches.join(" and "))
                    }
                )
            });
            for st in &r.steps {
                s.push_str(&if zh {
                    format!(
                        "  步骤 {}: {} 之后 {} 起，至 {} 止；渠道 {}；负责人 {}\n",
                        st.name,
                        anchors(st),
                        st.after,
                        st.within,
                        st.channel,
                        who(&st.assignee, zh)
                    )
                } else {
                    format!(
                        "  step {}: window from {} + {} to + {}; channel {}; assignee {}\n",
                        st.name,
                        anchors(st),
                        st.after,
                        st.within,
                        st.channel,
                        who(&st.assignee, zh)
                    )
                });
            }
        }
        Some(c) => {
            let target = match &c.target {
                CadenceTarget::Customers { segments, flags } => format!(
                    "customers{}{}",
                    if segments.is_empty() {
                        String::new()
                    } else {
                        format!(" in segments {}", segments.join(", "))
                    },
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!(" flagged {}", flags.join(", "))
                    }
                ),
                CadenceTarget::Orders => format!("each order of kind {kinds} from `{}`", r.steps[0].anchor),
            };
            let sched = match &c.schedule {
                Schedule::Aligned { every, months } => format!(
                    "every {every:?}{}",
                    if months.is_empty() {
                        String::new()
                    } else {
                        format!(" in months {months:?}")
                    }
                )
                .to_lowercase(),
                Schedule::Phased(p) => p
                    .iter()
                    .map(|(u, e)| {
                        format!(
                            "every {e}{}",
                            u.map_or(" after that".to_string(), |u| format!(" until {u}"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let req: Vec<String> = c
                .require
                .iter()
                .map(|q| format!("{} × {}", q.count, q.label()))
                .collect();
            s.push_str(&format!(
                "  {}: {target}, {sched}{}{}\n  {}: {}; {} {}\n",
                if zh { "周期回访" } else { "cadence" },
                c.until
                    .map_or(String::new(), |u| format!(", ending {u} after the anchor")),
                if req.is_empty() {
                    String::new()
                } else {
                    format!("; each slot needs {}", req.join(" and "))
                },
                if zh { "渠道" } else { "channel" },
                r.channels[0],
                if zh { "负责人" } else { "assignee" },
                who(&r.steps[0].assignee, zh)
            ));
        }
    }
    if let Some(sm) = &r.sample {
        let rate = match &sm.rate {
            Rate::Fixed(bp) => format!("{:.0}%", f64::from(*bp) / 100.0),
            Rate::Tiered(rows) => rows
                .iter()
                .map(|(m, bp)| format!("≥{m}: {:.0}%", f64::from(*bp) / 100.0))
                .collect::<Vec<_>>()
                .join(", "),
        };
        s.push_str(
            &format!(
                "  {}: {rate} of {:?}s per {:?}{}{}\n",
                if zh { "抽样" } else { "sample" },
                sm.unit,
                sm.per,
                if sm.min > 0 {
                    format!(", at least {}", sm.min)
                } else {
                    String::new()
                },
                sm.max.map_or(String::new(), |m| format!(", at most {m}"))
            )
            .to_lowercase(),
        );
    } else if r.cadence.is_none() {
        s.push_str(if zh { "  覆盖: 100%\n" } else { "  coverage: 100%\n" });
    }
    let mut ex: Vec<String> = r.exclude_flags.iter().map(|f| format!("customer flag {f}")).collect();
    ex.extend(r.exclusions.iter().map(|e| match &e.condition {
        Condition::In { column, values } => format!("{} ({column} ∈ {{{}}})", e.reason, values.join(", ")),
        Condition::Empty { column, empty } => {
            format!("{} ({column} {})", e.reason, if *empty { "empty" } else { "not empty" })
        }
        Condition::ShorterThan { from, to, limit } => format!("{} ({from}..{to} < {limit})", e.reason),
    }));
    if !ex.is_empty() {
        s.push_str(&format!(
            "  {}: {}\n",
            if zh { "排除" } else { "exclusions" },
            ex.join("; ")
        ));
    }
    s.push_str(&format!(
        "  {}: {} failed attempts → unreachable; calls on {}\n",
        if zh { "尝试" } else { "attempts" },
        r.max_attempts,
        r.calls.call_on.as_str()
    ));
    let t = &r.targets;
    let mut tg = Vec::new();
    for (n, v) in [
        ("visit_rate", t.visit_rate),
        ("success_rate", t.success_rate),
        ("on_time_rate", t.on_time_rate),
        ("satisfied_rate", t.satisfied_rate),
    ] {
        if let Some(v) = v {
            tg.push(format!("{n} ≥ {:.0}%", v * 100.0));
        }
    }
    if let Some(v) = t.score_avg {
        tg.push(format!("score_avg ≥ {v}"));
    }
    if !tg.is_empty() {
        s.push_str(&format!(
            "  {}: {}\n",
            if zh { "目标" } else { "targets" },
            tg.join(", ")
        ));
    }
    if !r.grades.is_empty() {
        let g: Vec<String> = r
            .grades
            .iter()
            .map(|g| {
                g.min
                    .map_or(format!("else {}", g.grade), |m| format!("≥{m} {}", g.grade))
            })
            .collect();
        s.push_str(&format!("  {}: {}\n", if zh { "等级" } else { "grades" }, g.join(", ")));
    }
    if r.effective_from.is_some() || r.effective_until.is_some() {
        s.push_str(&format!(
            "  {}: {} .. {}\n",
            if zh { "生效" } else { "in force" },
            r.effective_from.map_or("-".into(), |d| d.to_string()),
            r.effective_until.map_or("-".into(), |d| d.to_string())
        ));
    }
    if !r.notes.is_empty() {
        s.push_str(&format!("  {}: {}\n", if zh { "说明" } else { "notes" }, r.notes));
    }
    s.push_str(&format!("  {}: {}\n", if zh { "依据" } else { "source" }, r.source));
    s
}
