"""azure-img-utils 1.2.0, unchanged, against `offerdeck simulate`'s Cloud Partner Portal API:
read the offer, add an image version (GET then PUT offer), publish, go live, remove the
version again (a second PUT)."""

import time

import redirect  # noqa: F401  (first: it points requests at the simulator)
from redirect import CLIENT_ID, CLIENT_SECRET, SIMULATOR, TENANT, expect, finish, offerdeck, step

from azure_img_utils.azure_image import AzureImage

PUBLISHER, OFFER = "contoso", "contoso-vm"
IMAGES = "microsoft-azure-virtualmachines.vmImages"
SAS = "https://contosoimages.blob.core.windows.net/vhds/contoso-20260105.vhd?sv=2021-08-06&sr=b&sp=r&sig=abc"

image = AzureImage(
    container="images", storage_account="contosoimages", resource_group="images",
    credentials={
        "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "tenantId": TENANT,
        "subscriptionId": "00000000-0000-4000-8000-000000000000",
        "activeDirectoryEndpointUrl": "https://login.microsoftonline.com",
        "managementEndpointUrl": "https://management.core.windows.net/",
    },
)


def wait_for(status_wanted, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        status = image.get_offer_status(OFFER, PUBLISHER)
        if status == status_wanted:
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"status still {status}, wanted {status_wanted}")
        time.sleep(0.2)


def plan_of(doc):
    return doc["definition"]["plans"][0]


plan_id = step("azure-img-utils 1.2.0: read the offer", lambda: plan_of(image.get_offer_doc(OFFER, PUBLISHER))["planId"])
step("azure-img-utils 1.2.0: offer exists", lambda: expect(image.offer_exists(OFFER, PUBLISHER), "not found"))


def add_image():
    image.add_image_to_offer(
        blob_name="contoso-20260105.vhd", image_name="contoso-v20260105", image_description="January",
        offer_id=OFFER, publisher_id=PUBLISHER, label="Contoso January", sku=plan_id,
        blob_url=SAS, vm_images_key=IMAGES,
    )
    versions = sorted(plan_of(image.get_offer_doc(OFFER, PUBLISHER))[IMAGES])
    expect("2026.01.05" in versions, f"versions {versions}")
    return f"versions after PUT {versions}"


step("azure-img-utils 1.2.0: add an image version (GET, PUT offer)", add_image)


def offerdeck_added():
    # offerdeck's add (GET, PUT with If-Match), read back by the peer; the peer's own version
    # is still there.
    # offerdeck asks the storage account about the blob first: the simulator's.
    sas = f"{SIMULATOR}/blobs/contosoimages/vhds/contoso-3.0.0.vhd?sv=2021-08-06&sr=b&sp=rl&se=2099-01-01T00:00:00Z&sig=abc"
    offerdeck("image", "add", f"{PUBLISHER}/{OFFER}", "--plan", plan_id, "--version", "3.0.0", "--vhd", sas)
    versions = sorted(plan_of(image.get_offer_doc(OFFER, PUBLISHER))[IMAGES])
    expect("3.0.0" in versions and "2026.01.05" in versions, f"versions {versions}")
    return f"versions after offerdeck's PUT {versions}"


step("azure-img-utils 1.2.0: reads the version offerdeck image add wrote", offerdeck_added)


def signoff_waiting(location, seconds=60):
    """Follows the publish through azure-img-utils' own get_operation until its sign-off step
    (by id) waits for the publisher."""
    deadline = time.monotonic() + seconds
    while True:
        steps = image.get_operation(location).get("steps", [])
        if any(s.get("id") == "publisher-signoff" and s.get("status") == "waitingForPublisherReview" for s in steps):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"sign-off never waited: {steps}")
        time.sleep(0.2)


def publish():
    location = image.publish_offer(OFFER, PUBLISHER, "release@contoso.example")
    expect(location.startswith("/api/publishers/"), f"Location {location}")
    signoff_waiting(location)
    # azure-img-utils 1.2.0 looks for stepName 'publisher-signoff'; the service (and the
    # simulator, by default) names that step "Publisher signoff" and keeps the top-level
    # status `running`, so this peer reads `running` here: the mismatch cpp-api.md §14.3 notes.
    status = image.get_offer_status(OFFER, PUBLISHER)
    expect(status == "running", f"status {status}")
    return "sign-off waiting; the peer's status reads 'running' (its stepName match)"


step("azure-img-utils 1.2.0: publish", publish)


def go_live():
    location = image.go_live_with_offer(OFFER, PUBLISHER)
    expect(image.get_operation(location).get("submissionType") == "goLive", "not a go-live")
    return wait_for("succeeded")


step("azure-img-utils 1.2.0: go live", go_live)


def remove_image():
    image.remove_image_from_offer(f"{PUBLISHER}:{OFFER}:{plan_id}:2026.01.05", vm_images_key=IMAGES)
    versions = sorted(plan_of(image.get_offer_doc(OFFER, PUBLISHER))[IMAGES])
    expect("2026.01.05" not in versions, f"versions {versions}")
    return f"versions after PUT {versions}"


step("azure-img-utils 1.2.0: remove the image version (second PUT)", remove_image)
finish()
