//! Closed vocabularies of the visit log: channels and outcomes.

use std::fmt;
use std::str::FromStr;

/// How a follow-up was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Telephone call (电话回访).
    Phone,
    /// On-site or home visit (上门回访).
    Onsite,
    /// Text message (短信).
    Sms,
    /// Letter or open letter (信函).
    Letter,
    /// E-mail.
    Email,
    /// WeChat or other instant messaging.
    Wechat,
}

impl Channel {
    /// Every channel, in documentation order.
    pub const ALL: [Channel; 6] = [
        Channel::Phone,
        Channel::Onsite,
        Channel::Sms,
        Channel::Letter,
        Channel::Email,
        Channel::Wechat,
    ];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Onsite => "onsite",
            Channel::Sms => "sms",
            Channel::Letter => "letter",
            Channel::Email => "email",
            Channel::Wechat => "wechat",
        }
    }

    /// The accepted spellings, for error messages.
    pub fn expected() -> String {
        Self::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// `label` (trimmed) by `exact`, lower-casing first only when it has capitals: millions
/// of visit rows are parsed, nearly all already lower-case.
fn parse_folded<T>(label: &str, exact: impl Fn(&str) -> Option<T>) -> Result<T, ()> {
    // Most labels come trimmed and in the case written here: no need to trim them (a
    // Unicode trim costs more than the match, once per visit of a large log).
    if let Some(v) = exact(label) {
        return Ok(v);
    }
    let t = label.trim();
    match (t.len() < label.len()).then(|| exact(t)).flatten() {
        Some(v) => Ok(v),
        None if t.bytes().any(|b| b.is_ascii_uppercase()) => exact(&t.to_ascii_lowercase()).ok_or(()),
        None => Err(()),
    }
}

impl FromStr for Channel {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        // Chinese labels are accepted because visit logs are filled in by hand.
        parse_folded(s, |t| {
            Some(match t {
                "phone" | "电话" | "tel" => Channel::Phone,
                "onsite" | "on-site" | "上门" | "现场" | "visit" => Channel::Onsite,
                "sms" | "短信" => Channel::Sms,
                "letter" | "信函" | "open_letter" => Channel::Letter,
                "email" | "e-mail" | "邮件" => Channel::Email,
                "wechat" | "微信" | "im" => Channel::Wechat,
                _ => return None,
            })
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one follow-up attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The customer was reached: the item is complete.
    Reached,
    /// Nobody answered: a failed attempt.
    NoAnswer,
    /// The line was busy: a failed attempt.
    Busy,
    /// The number is wrong or out of service: a failed attempt.
    WrongNumber,
    /// The customer refused the follow-up: the item closes as unsuccessful.
    Refused,
}

impl Outcome {
    /// Every outcome, in documentation order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Reached,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::WrongNumber,
        Outcome::Refused,
    ];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::WrongNumber => "wrong_number",
            Outcome::Refused => "refused",
        }
    }

    /// The accepted spellings, for error messages.
    pub fn expected() -> String {
        Self::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl FromStr for Outcome {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        parse_folded(s, |t| {
            Some(match t {
                "reached" | "成功" | "已回访" => Outcome::Reached,
                "no_answer" | "无人接听" => Outcome::NoAnswer,
                "busy" | "占线" => Outcome::Busy,
                "wrong_number" | "空号" | "号码错误" => Outcome::WrongNumber,
                "refused" | "拒绝" => Outcome::Refused,
                _ => return None,
            })
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_in_any_ascii_case_and_in_chinese() {
        assert_eq!("Phone".parse(), Ok(Channel::Phone));
        assert_eq!(" E-Mail ".parse(), Ok(Channel::Email));
        assert_eq!("上门".parse(), Ok(Channel::Onsite));
        assert_eq!("fax".parse::<Channel>(), Err(()));
        assert_eq!(" No_Answer ".parse(), Ok(Outcome::NoAnswer));
        assert_eq!("REACHED".parse(), Ok(Outcome::Reached));
        assert_eq!("空号".parse(), Ok(Outcome::WrongNumber));
        assert_eq!("".parse::<Outcome>(), Err(()));
    }
}
