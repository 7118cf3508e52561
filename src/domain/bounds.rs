//! How much of one observation offerdeck keeps. An answer within the shape limits can still hold
//! tens of thousands of steps or messages; what is kept of it is written to the store at every
//! change and printed by `status`, so it is bounded here, once, for every API. What is dropped is
//! said, in the observation itself.

use super::{Observation, Step, StepMessage};
use crate::text::truncate;

/// Steps kept of one operation (a CPP publish has about ten).
pub const MAX_STEPS: usize = 50;
/// Messages kept per step (a failed validation lists a few dozen).
pub const MAX_MESSAGES: usize = 50;
/// Characters kept of one message.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Characters kept of a failure reason (the messages joined).
pub const MAX_FAILURE_CHARS: usize = 8_000;
/// Characters kept of a name, an id, an estimate or a status word.
pub const MAX_LABEL_CHARS: usize = 200;
/// Submissions kept (one per environment in practice).
pub const MAX_SUBMISSIONS: usize = 20;

impl Observation {
    /// The observation with every list and text within the limits above; a list cut says how
    /// many were left out.
    pub fn bounded(mut self) -> Observation {
        if self.steps.len() > MAX_STEPS {
            self.steps_not_kept += self.steps.len() - MAX_STEPS;
            self.steps.truncate(MAX_STEPS);
        }
        self.steps = self.steps.into_iter().map(bounded_step).collect();
        self.current_step = self.current_step.map(bounded_step);
        self.failure = self.failure.map(|f| truncate(&f, MAX_FAILURE_CHARS));
        self.raw_status = truncate(&self.raw_status, MAX_LABEL_CHARS);
        self.submissions.truncate(MAX_SUBMISSIONS);
        for s in &mut self.submissions {
            s.number = truncate(&s.number, MAX_LABEL_CHARS);
            s.state = truncate(&s.state, MAX_LABEL_CHARS);
        }
        self.product_guid = self.product_guid.map(|g| truncate(&g, MAX_LABEL_CHARS));
        self
    }
}

/// Messages within the limits: the first `MAX_MESSAGES`, then one saying how many more there
/// were. Used before a failure reason is joined from them, so the join is bounded too.
pub fn bounded_messages(messages: impl IntoIterator<Item = StepMessage>) -> Vec<StepMessage> {
    let mut kept = Vec::new();
    let mut left_out = 0usize;
    for m in messages {
        if kept.len() < MAX_MESSAGES {
            kept.push(StepMessage {
                level: truncate(&m.level, MAX_LABEL_CHARS),
                text: truncate(&m.text, MAX_MESSAGE_CHARS),
            });
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        kept.push(StepMessage {
            level: "info".into(),
            text: format!(
                "… and {left_out} more messages, not kept (offerdeck keeps {MAX_MESSAGES})"
            ),
        });
    }
    kept
}

fn bounded_step(step: Step) -> Step {
    // A step already bounded has at most one note past the limit: it is not counted again.
    let already = step.messages.len() == MAX_MESSAGES + 1
        && step
            .messages
            .last()
            .is_some_and(|m| m.text.starts_with("… and ") && m.level == "info");
    Step {
        id: truncate(&step.id, MAX_LABEL_CHARS),
        name: truncate(&step.name, MAX_LABEL_CHARS),
        status: step.status,
        progress: step.progress,
        estimate: truncate(&step.estimate, MAX_LABEL_CHARS),
        messages: if already {
            step.messages
        } else {
            bounded_messages(step.messages)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(i: usize) -> StepMessage {
        StepMessage {
            level: "error".into(),
            text: format!("problem {i} {}", "x".repeat(5_000)),
        }
    }

    #[test]
    fn lists_and_texts_are_cut_and_say_so() {
        let step = Step {
            name: "n".repeat(1_000),
            messages: (0..1_000).map(message).collect(),
            ..Step::default()
        };
        let seen = Observation {
            steps: vec![step; 120],
            failure: Some("f".repeat(100_000)),
            ..Observation::default()
        }
        .bounded();
        assert_eq!(seen.steps.len(), MAX_STEPS);
        assert_eq!(seen.steps_not_kept, 70);
        let first = &seen.steps[0];
        assert_eq!(first.name.chars().count(), MAX_LABEL_CHARS);
        assert_eq!(first.messages.len(), MAX_MESSAGES + 1);
        assert!(first.messages[0].text.chars().count() <= MAX_MESSAGE_CHARS);
        assert_eq!(
            first.messages[MAX_MESSAGES].text,
            "… and 950 more messages, not kept (offerdeck keeps 50)"
        );
        assert!(seen.failure.unwrap().chars().count() <= MAX_FAILURE_CHARS);
    }

    #[test]
    fn bounding_twice_changes_nothing() {
        let seen = Observation {
            steps: vec![
                Step {
                    messages: (0..80).map(message).collect(),
                    ..Step::default()
                };
                60
            ],
            ..Observation::default()
        }
        .bounded();
        assert_eq!(seen.clone().bounded(), seen);
    }
}
