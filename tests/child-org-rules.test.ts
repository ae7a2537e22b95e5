/**
 * The child org provider's check() (components/optima/childOrgRules.ts), pure: the owners and the
 * capabilities must each be a list of at least one well-formed item; a value the engine does not
 * know yet (a preview) passes.
 */
import { checkChildOrg } from "../components/optima/childOrgRules";
import { UNKNOWN_VALUE } from "../components/unknown";
import { OWNER, childOrgInputs } from "./support/child-org-inputs";

const valid = childOrgInputs("4242", "0a1b2c3d-0000-4000-8000-000000000001");
const refused = (inputs: Record<string, unknown>): string[] => checkChildOrg(inputs).map((f) => f.property);

it("accepts one well-formed owner and capability, and values not known yet", () => {
  expect(checkChildOrg(valid)).toEqual([]);
  expect(checkChildOrg({ ...valid, owners: UNKNOWN_VALUE, capabilities: UNKNOWN_VALUE })).toEqual([]);
});

it.each([
  ["missing", undefined],
  ["not a list", OWNER],
  ["an empty list", []],
  ["an owner without a last name", [{ email: OWNER.email, firstName: "Fin" }]],
  ["an owner with an empty email", [{ ...OWNER, email: "" }]],
  ["a second owner that is not an object", [OWNER, "ops@partner.example"]],
])("refuses owners: %s", (_name, owners) => {
  expect(checkChildOrg({ ...valid, owners })).toEqual([
    { property: "owners", reason: "must be at least one {email, firstName, lastName}" },
  ]);
});

it.each([
  ["missing", undefined],
  ["an empty list", []],
  ["a name with a space", ["optima", "cloud cost"]],
  ["a number", [7]],
])("refuses capabilities: %s", (_name, capabilities) => {
  expect(refused({ ...valid, capabilities })).toEqual(["capabilities"]);
});
