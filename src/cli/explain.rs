//! `huifang explain DUE_ID`: why an item is or is not on the due list — rule, window,
//! sampling (period population and required count), exclusions, attempts. It runs the
//! same engine pass as `due`.

use super::args::{DataArgs, RulesArgs};
use super::due::parse_date;
use super::load::{self, Run};
use super::Ui;
use crate::engine::{due_cadence_from, trace, Engine, Inputs};
use crate::error::Error;
use crate::io::csv::{self as incsv, Problems, ReadOptions};
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;

/// Options of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The item, e.g. `property.complaint/ORD-17/1` (or a prefix such as `property.complaint/ORD-17`).
    due_id: String,
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    data: DataArgs,
    /// The date to explain the list for (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Upcoming horizon, as for `due`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    horizon: u32,
}

/// Runs `explain`.
pub fn run(a: &ExplainArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let as_of = a.date.unwrap_or_else(load::today);
    let horizon = i64::from(a.horizon);
    let rules = load::rules(&a.rules)?;
    let id = a.due_id.trim().to_string();
    let Some((rule_id, rest)) = id.split_once('/') else {
        return Err(Error::Usage(format!(
            "expected a due id like property.complaint/ORD-17/1, found {id:?}"
        ))
        .into());
    };
    let Some((_, rule)) = rules.find(rule_id) else {
        let known: Vec<String> = rules.iter().map(|(_, r)| r.id.clone()).collect();
        return Err(Error::Usage(format!(
            "no rule `{rule_id}` in the rule files; rules are: {}",
            known.join(", ")
        ))
        .into());
    };
    let rule = rule.clone();
    let unit = rest.split('/').next().unwrap_or("").to_string();
    let prefix = format!("{id}/");
    let idc = id.clone();
    let keep = move |e: &crate::engine::Probe<'_>| e.due_id.is(&idc) || e.due_id.starts_with(&prefix);
    let rules_ref = rules.clone();
    let run = Run {
        as_of,
        horizon,
        keep: std::sync::Arc::new(keep),
        keep_unselected: true,
        cadence_from: Box::new(move |r| due_cadence_from(r, as_of)),
        sorted: true,
        listing: false,
    };
    let (_, items) = load::evaluate(&a.data, rules, None, run, ui)?;
    let mut out = String::new();
    if items.is_empty() {
        out.push_str(&format!(
            "due_id:   {id}\nrule:     {} — {}\nsource:   {}\n",
            rule.id, rule.title, rule.source
        ));
        out.push_str(&format!(
            "on the list for {as_of}: no — {}\n",
            why_absent(a, &rules_ref, &rule.id, &unit, as_of)?
        ));
    }
    for e in &items {
        let (_, r) = rules_ref.find(e.rule).unwrap_or((&rules_ref.sets[0], &rule));
        for line in trace::explain_item(e, r, as_of, horizon) {
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    crate::io::write::emit(None, out.trim_end().as_bytes())?;
    println!();
    Ok(ExitCode::SUCCESS)
}

/// Why the rule generated no item for this unit.
fn why_absent(
    a: &ExplainArgs,
    rules: &crate::rules::Rules,
    rule_id: &str,
    unit: &str,
    as_of: NaiveDate,
) -> Result<String, Error> {
    let order_id = unit.split('@').next().unwrap_or(unit);
    let step_name = a.due_id.trim().split('/').nth(2).unwrap_or("").to_string();
    let opts = ReadOptions {
        columns: rules.column_map(),
        encoding: a.data.encoding,
        skip_invalid: true,
    };
    let mut problems = Problems::default();
    let ct = incsv::read_customers(&a.data.path("customers")?, &opts, &mut problems);
    let attempts = crate::model::attempt_log::AttemptLog::default();
    let opath = a.data.path("orders")?;
    let mut reader = incsv::open_orders(&opath, &opts, &mut problems);
    let schema = reader.schema.clone();
    let inputs = Inputs {
        rules,
        customers: &ct,
        attempts: &attempts,
        schema: &schema,
        orders_path: opath.clone(),
        as_of,
        horizon: 0,
        keep_unselected: false,
    };
    let Ok(engine) = Engine::new(inputs, std::sync::Arc::new(|_| false)) else {
        return Ok("the rule files do not fit the inputs (run `huifang check`)".into());
    };
    let id_col = schema.get("order_id");
    let mut answer = None;
    incsv::stream_orders(&mut reader, &ct, &mut problems, |o, _| {
        if answer.is_some() || id_col.map_or("", |i| o.field(i)) != order_id {
            return;
        }
        let c = engine.compiled().iter().find(|c| c.rule.id == rule_id);
        answer = Some(match c.map(|c| engine.applies(c, o)) {
            Some(Err(skip)) => skip.to_string(),
            Some(Ok(a)) if a.date() > as_of => format!("its anchor {} is after {as_of}", a.date()),
            Some(Ok(_)) => {
                // A later step whose own anchor (stopping medication, mid-payment) is empty.
                let rule = c.map(|c| c.rule);
                match rule.and_then(|r| r.steps.iter().find(|st| st.name == step_name)) {
                    Some(st) if schema.get(&st.anchor).is_none_or(|i| o.field(i).trim().is_empty()) => format!(
                        "step `{step_name}` counts from `{}`, which is empty for this order: the event has not happened yet",
                        st.anchor
                    ),
                    Some(_) => "the rule applies, but no item has this id as of the date (see `huifang due --horizon N`)".into(),
                    None => format!("the rule has no step `{step_name}`"),
                }
            }
            None => "unknown rule".into(),
        });
    });
    Ok(answer.unwrap_or_else(|| {
        format!(
            "no order `{order_id}` in {} (and no customer cadence slot with this id)",
            opath.display()
        )
    }))
}
