//! Assignee: a fixed role, a role chosen by a column's value (major complaint → manager),
//! or an order column (the treating doctor in `staff`).

use crate::model::Order;
use crate::model::Schema;
use crate::rules::Assignee;

/// Resolves who makes the contact for `order` (customer cadences pass `None`).
pub fn resolve_assignee(a: &Assignee, schema: &Schema, order: Option<&Order>) -> String {
    let col = |c: &str| -> String {
        match (order, schema.get(c)) {
            (Some(o), Some(i)) => o.field(i).to_string(),
            _ => String::new(),
        }
    };
    match a {
        Assignee::Role(r) => r.clone(),
        Assignee::Column(c) => col(c),
        Assignee::By { column, map, default } => {
            let v = col(column);
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&v))
                .map_or_else(|| default.clone(), |(_, r)| r.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_picks_the_role_and_unknown_values_fall_back() {
        let schema = Schema::new(vec!["order_id".into(), "severity".into()]);
        let a = Assignee::By {
            column: "severity".into(),
            map: [("major", "manager"), ("important", "supervisor"), ("general", "clerk")]
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            default: "clerk".into(),
        };
        let o = |s: &str| Order::new(2, ["O1", s]);
        assert_eq!(resolve_assignee(&a, &schema, Some(&o("major"))), "manager");
        assert_eq!(resolve_assignee(&a, &schema, Some(&o("Important"))), "supervisor");
        assert_eq!(resolve_assignee(&a, &schema, Some(&o(""))), "clerk");
    }
}
