//! Assignee: a fixed role, a role chosen by a column's value (major complaint → manager),
//! or an order column (the treating doctor in `staff`).

use crate::model::Order;
use crate::model::Schema;
use crate::model::Text;
use crate::rules::Assignee;

/// Resolves who makes the contact for `order` (customer cadences pass `None`).
pub fn resolve_assignee(a: &Assignee, schema: &Schema, order: Option<&Order>) -> Text {
    let col = |c: &str| -> &str {
        match (order, schema.get(c)) {
            (Some(o), Some(i)) => o.field(i),
            _ => "",
        }
    };
    match a {
        Assignee::Role(r) => r.as_str().into(),
        Assignee::Column(c) => col(c).into(),
        Assignee::By { column, map, default } => {
            let v = col(column);
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(v))
                .map_or(default.as_str(), |(_, r)| r.as_str())
                .into()
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
