"""cloudpub 1.7.6 and azure-img-utils 2.7.0, unchanged, against `offerdeck simulate`'s
Product Ingestion API: list products, read the resource trees, add an image version to a
plan (a draft-only configure), publish to preview, go live, deprecate an image version."""

import logging

import redirect  # noqa: F401  (first: it points requests at the simulator)
from redirect import CLIENT_ID, CLIENT_SECRET, SIMULATOR, TENANT, expect, finish, offerdeck, step

from cloudpub.error import NotFoundError
from cloudpub.ms_azure.service import AzureService
from cloudpub.ms_azure.utils import AzurePublishingMetadata
from azure_img_utils.azure_image import AzureImage
from azure_img_utils import cloud_partner

# cloudpub warns of every field it does not model (the status's $schema, a gallery image's
# sharedImage): true, and noise here.
logging.getLogger("cloudpub").setLevel(logging.ERROR)

RESOURCE_TYPES = {
    "product", "customer-leads", "test-drive", "property", "listing", "listing-asset",
    "price-and-availability-offer", "reseller", "plan", "plan-listing",
    "price-and-availability-plan", "virtual-machine-plan-technical-configuration", "submission",
}
SAS = "https://fabrikamimages.blob.core.windows.net/vhds/{name}.vhd?sv=2021-08-06&sr=b&sp=r&sig=abc"
# offerdeck asks the storage account about the blob before it adds a version: the simulator's.
OFFERDECK_SAS = SIMULATOR + "/blobs/fabrikamimages/vhds/{name}.vhd?sv=2021-08-06&sr=b&sp=rl&se=2099-01-01T00:00:00Z&sig=abc"


def cloudpub_flow():
    # Short waits instead of cloudpub's default five minutes: the simulator's clock is fast.
    azure = AzureService(
        {"AZURE_CLIENT_ID": CLIENT_ID, "AZURE_API_SECRET": CLIENT_SECRET, "AZURE_TENANT_ID": TENANT},
        retry_interval=0.2,
        retry_timeout=120,
    )
    products = step("cloudpub: list products", lambda: len(azure.list_products()))
    if products is None:
        return
    product_id = azure.get_productid("alpha")

    def draft_tree():
        product = azure.get_product(product_id, "draft")
        kinds = {r.resource for r in product.resources}
        expect(RESOURCE_TYPES <= kinds, f"missing {RESOURCE_TYPES - kinds}")
        return f"{len(product.resources)} resources"

    step("cloudpub: resource tree, draft", draft_tree)

    def no_preview_yet():
        try:
            azure.get_product(product_id, "preview")
        except NotFoundError:
            return "404 before the first publish"
        raise AssertionError("a never-published product has a preview tree")

    step("cloudpub: resource tree, preview (none yet)", no_preview_yet)

    def add_version():
        metadata = AzurePublishingMetadata(
            image_path=SAS.format(name="alpha-2.0.0"), architecture="x86_64",
            destination="alpha/standard", disk_version="2.0.0", keepdraft=True,
            support_legacy=True, sku_id="standard",
        )
        azure.publish(metadata)
        config = azure.get_plan_tech_config(*azure.get_product_plan_by_name("alpha", "standard", "draft"))
        versions = [v.version_number for v in config.disk_versions]
        expect("2.0.0" in versions, f"draft versions {versions}")
        return f"draft versions {versions}"

    step("cloudpub: add an image version (draft-only configure)", add_version)

    def offerdeck_added():
        # What offerdeck writes, read back by cloudpub's own resource-tree reader.
        sas = OFFERDECK_SAS
        offerdeck("image", "add", "fabrikam/eta", "--plan", "standard", "--version", "3.0.0",
                  "--vhd", "gen2=" + sas.format(name="eta-gen2-3.0.0"),
                  "--vhd", "gen1=" + sas.format(name="eta-gen1-3.0.0"))
        eta = azure.get_productid("eta")
        config = azure.get_plan_tech_config(*azure.get_product_plan_by_name("eta", "standard", "draft"))
        versions = [v.version_number for v in config.disk_versions]
        expect("3.0.0" in versions and "1.0.0" in versions, f"draft versions {versions}")
        return f"{eta}: draft versions {versions}"

    step("cloudpub: reads the version offerdeck image add wrote", offerdeck_added)

    def publish_preview():
        status = azure.submit_to_status(product_id, "preview")
        expect(status.job_result == "succeeded", f"job {status.job_result}: {status.errors}")
        preview = azure.get_product(product_id, "preview")
        config = [r for r in preview.resources if r.resource == "virtual-machine-plan-technical-configuration"]
        versions = sorted({v.version_number for c in config for v in c.disk_versions})
        expect("2.0.0" in versions, f"preview versions {versions}")
        submission = azure.get_submission_state(product_id, "preview")
        expect(azure._is_submission_in_preview(submission), "not waiting for go-live")
        return f"preview versions {versions}"

    step("cloudpub: publish to preview", publish_preview)

    def go_live():
        status = azure.submit_to_status(product_id, "live")
        expect(status.job_result == "succeeded", f"job {status.job_result}: {status.errors}")
        live = azure.get_product(product_id, "live")
        diff = azure.diff_two_offers(live, azure.get_product(product_id, "preview"))
        expect(not diff, f"live and preview differ: {diff}")
        return "live = preview"

    step("cloudpub: go live", go_live)

    def whole_publish():
        # cloudpub's own end-to-end flow: add, publish to preview, go live, in one call.
        metadata = AzurePublishingMetadata(
            image_path=SAS.format(name="alpha-2.1.0"), architecture="x86_64",
            destination="alpha/standard", disk_version="2.1.0", keepdraft=False,
            support_legacy=True, sku_id="standard",
        )
        azure.publish(metadata)
        live = azure.get_product(product_id, "live")
        config = [r for r in live.resources if r.resource == "virtual-machine-plan-technical-configuration"]
        versions = sorted({v.version_number for c in config for v in c.disk_versions})
        expect("2.1.0" in versions, f"live versions {versions}")
        return f"live versions {versions}"

    step("cloudpub: publish() end to end (draft, preview, live)", whole_publish)


def azure_img_utils_flow():
    image = AzureImage(
        container="images", storage_account="fabrikamimages", resource_group="images",
        credentials={
            "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "tenantId": TENANT,
            "subscriptionId": "00000000-0000-4000-8000-000000000000",
            "activeDirectoryEndpointUrl": "https://login.microsoftonline.com",
            "managementEndpointUrl": "https://management.core.windows.net/",
        },
    )
    offer = "theta"

    def read_draft():
        doc = image.get_offer_doc(offer)
        plan = cloud_partner.get_technical_details(doc, "standard")
        return f"{len(doc['resources'])} resources, plan versions {[v['versionNumber'] for v in plan['vmImageVersions']]}"

    step("azure-img-utils 2.7.0: offer doc (draft tree)", read_draft)
    step("azure-img-utils 2.7.0: offer exists", lambda: expect(image.offer_exists(offer), "not found"))

    def add_image():
        image.add_image_to_offer(
            blob_name="theta-20260105.vhd", image_name="theta-v20260105", offer_id=offer,
            sku="standard", blob_url=SAS.format(name="theta-20260105"), generation_id="standard-gen1",
        )
        plan = cloud_partner.get_technical_details(image.get_offer_doc(offer), "standard")
        versions = [v["versionNumber"] for v in plan["vmImageVersions"]]
        expect("2026.01.05" in versions, f"draft versions {versions}")
        return f"draft versions {versions}"

    step("azure-img-utils 2.7.0: add an image version (draft-only configure)", add_image)

    def offerdeck_added():
        sas = OFFERDECK_SAS
        offerdeck("image", "add", "fabrikam/alpha", "--plan", "standard", "--version", "4.0.0",
                  "--vhd", "gen2=" + sas.format(name="alpha-gen2-4.0.0"),
                  "--vhd", "gen1=" + sas.format(name="alpha-gen1-4.0.0"))
        plan = cloud_partner.get_technical_details(image.get_offer_doc("alpha"), "standard")
        versions = [v["versionNumber"] for v in plan["vmImageVersions"]]
        expect("4.0.0" in versions, f"draft versions {versions}")
        return f"draft versions {versions}"

    step("azure-img-utils 2.7.0: reads the version offerdeck image add wrote", offerdeck_added)

    def add_gallery_image():
        image.add_sig_image_to_offer(
            version_number="2.0.0", offer_id=offer, plan_id="gallery",
            gallery_name="fabrikam", gallery_image_name="theta",
        )
        plan = cloud_partner.get_technical_details(image.get_offer_doc(offer), "gallery")
        return f"gallery versions {[v['versionNumber'] for v in plan['vmImageVersions']]}"

    step("azure-img-utils 2.7.0: add a gallery image version", add_gallery_image)

    def publish():
        job = image.publish_offer(offer)
        done = image.wait_on_operation(job)
        expect(done.get("jobResult") == "succeeded", f"job {done}")
        status = image.get_offer_status(offer)
        expect(status == "waitingForPublisherReview", f"status {status}")
        tree = image.get_offer_doc(offer, target_type="preview")
        plan = cloud_partner.get_technical_details(tree, "standard")
        expect("2026.01.05" in [v["versionNumber"] for v in plan["vmImageVersions"]], "not in preview")
        return status

    step("azure-img-utils 2.7.0: publish to preview", publish)

    def go_live():
        job = image.go_live_with_offer(offer)
        done = image.wait_on_operation(job)
        expect(done.get("jobResult") == "succeeded", f"job {done}")
        # azure-img-utils reads any completed preview as waitingForPublisherReview, live or
        # not (its get_offer_status checks preview first): its answer is shown, not judged.
        status = image.get_offer_status(offer)
        tree = image.get_offer_doc(offer, target_type="live")
        plan = cloud_partner.get_technical_details(tree, "standard")
        expect("2026.01.05" in [v["versionNumber"] for v in plan["vmImageVersions"]], "not live")
        return status

    step("azure-img-utils 2.7.0: go live", go_live)

    def deprecate():
        image.remove_image_from_offer("fabrikam:theta:standard:1.0.0")
        plan = cloud_partner.get_technical_details(image.get_offer_doc(offer), "standard")
        states = {v["versionNumber"]: v.get("lifecycleState") for v in plan["vmImageVersions"]}
        expect(states.get("1.0.0") == "deprecated", f"versions {states}")
        return f"versions {states}"

    step("azure-img-utils 2.7.0: deprecate an image version", deprecate)


cloudpub_flow()
azure_img_utils_flow()
finish()
