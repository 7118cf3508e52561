//! What kind of offer it is. Each API has its own words for it (`microsoft-azure-virtualmachines`
//! on CPP, `azureVirtualMachine` on Product Ingestion); offerdeck publishes virtual machines.

/// The kind, whichever API named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    VirtualMachine,
    /// A "core" virtual machine offer (Microsoft's own images, CPP's `corevm`).
    CoreVirtualMachine,
    /// Any other kind (SaaS, containers, applications…): listed, never published by offerdeck.
    Other,
}

/// An offer's type: its kind, and the service's own word (shown, and kept in JSON as it came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferType {
    pub kind: OfferKind,
    /// The service's word, as plain text.
    pub word: String,
}

impl OfferType {
    /// Reads either API's word for the type (case aside).
    pub fn from_service(word: &str) -> OfferType {
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(word.trim()));
        let kind = if is(&["microsoft-azure-virtualmachines", "azureVirtualMachine"]) {
            OfferKind::VirtualMachine
        } else if is(&["microsoft-azure-corevm", "coreVirtualMachine"]) {
            OfferKind::CoreVirtualMachine
        } else {
            OfferKind::Other
        };
        OfferType {
            kind,
            word: word.to_string(),
        }
    }

    /// A virtual machine offer (core or not): what offerdeck publishes.
    pub fn is_virtual_machine(&self) -> bool {
        self.kind != OfferKind::Other
    }

    /// The type in the words of the dashboard, the same for both APIs.
    pub fn label(&self) -> &str {
        match self.kind {
            OfferKind::VirtualMachine => "virtual machine",
            OfferKind::CoreVirtualMachine => "core virtual machine",
            OfferKind::Other => &self.word,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_apis_words_name_the_same_kinds() {
        for word in [
            "microsoft-azure-virtualmachines",
            "azureVirtualMachine",
            "AZUREVIRTUALMACHINE",
        ] {
            assert_eq!(
                OfferType::from_service(word).kind,
                OfferKind::VirtualMachine
            );
        }
        for word in ["microsoft-azure-corevm", "coreVirtualMachine"] {
            let t = OfferType::from_service(word);
            assert!(t.is_virtual_machine());
            assert_eq!(t.label(), "core virtual machine");
        }
        let saas = OfferType::from_service("softwareAsAService");
        assert!(!saas.is_virtual_machine());
        assert_eq!(saas.label(), "softwareAsAService");
        assert_eq!(saas.word, "softwareAsAService");
    }
}
