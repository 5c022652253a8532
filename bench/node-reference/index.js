// The approach this project replaces, written the way most tutorials write it: every invocation
// calls STS AssumeRole, builds a DynamoDB client from the temporary credentials, and returns the
// first page of a DocumentClient scan. It exists only to be measured against the Rust function.
//
// Event: {"table": "NAME", "exclusive_start_key": {...}?, "limit": n?}
// Result: {"items": [...], "count": n, "scanned_count": n, "last_evaluated_key": {...} | null}
"use strict";

const { STSClient, AssumeRoleCommand } = require("@aws-sdk/client-sts");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, ScanCommand } = require("@aws-sdk/lib-dynamodb");

// The STS client is reused across invocations (the tutorials that do better than "everything in the
// handler" do this much); the credentials and the DynamoDB client are not.
const sts = new STSClient({});

exports.handler = async (event) => {
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn: process.env.ROLE_ARN,
      RoleSessionName: "node-reference",
      ExternalId: process.env.EXTERNAL_ID || undefined,
    })
  );
  const credentials = {
    accessKeyId: assumed.Credentials.AccessKeyId,
    secretAccessKey: assumed.Credentials.SecretAccessKey,
    sessionToken: assumed.Credentials.SessionToken,
  };
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: process.env.TABLE_REGION || process.env.AWS_REGION, credentials })
  );
  const out = await ddb.send(
    new ScanCommand({
      TableName: event.table || process.env.DEFAULT_TABLE,
      ExclusiveStartKey: event.exclusive_start_key || undefined,
      Limit: event.limit || undefined,
    })
  );
  return {
    items: out.Items,
    count: out.Count,
    scanned_count: out.ScannedCount,
    last_evaluated_key: out.LastEvaluatedKey || null,
  };
};
