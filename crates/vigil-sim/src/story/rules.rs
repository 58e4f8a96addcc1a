//! The rules of the IBM Cloud pack (`crates/vigil-detect/rules/ibm/`) that stories expect to
//! fire, by id, name, title and level as the pack spells them. This crate does not depend on
//! the pack; `crates/vigil/tests/detection_quality.rs` checks that every rule named here is in
//! it, unchanged.

use crate::simulate::ExpectedRule;

pub(crate) const CIS_LOGIN_FAILURE_BURST: ExpectedRule = ExpectedRule {
    id: "80e45958-88f7-4445-aebb-368cd4e12c01",
    name: "ibm_cis_login_failure_burst",
    title: "Burst of failed logins from one client through CIS",
    level: "high",
};

pub(crate) const AT_IAM_BRUTE_FORCE_THEN_SUCCESS: ExpectedRule = ExpectedRule {
    id: "ee710991-bd22-43e0-8cbc-883f6f3c3381",
    name: "ibm_at_iam_brute_force_then_success",
    title: "IBM Cloud IAM login succeeded after a burst of failures",
    level: "critical",
};

pub(crate) const AT_IAM_USER_APIKEY_CREATED: ExpectedRule = ExpectedRule {
    id: "086e0986-89ca-43c1-b6c2-d2c886ba7244",
    name: "ibm_at_iam_user_apikey_created",
    title: "IBM Cloud user API key created",
    level: "medium",
};

pub(crate) const AT_COS_PUBLIC_ACCESS_BLOCK_DELETED: ExpectedRule = ExpectedRule {
    id: "ea6f2a7e-1802-4ed4-b65d-96e13188849b",
    name: "ibm_at_cos_public_access_block_deleted",
    title: "IBM Cloud Object Storage bucket public access block removed",
    level: "high",
};

pub(crate) const AT_PUBLIC_ACCESS_GROUP_POLICY: ExpectedRule = ExpectedRule {
    id: "10de4943-f700-486b-b638-7e1387464785",
    name: "ibm_at_public_access_group_policy",
    title: "IBM Cloud IAM policy granted to the Public Access group",
    level: "high",
};

pub(crate) const AT_INSTANCE_CONSOLE_ACCESS_TOKEN_CREATED: ExpectedRule = ExpectedRule {
    id: "44a944d2-d4e0-4433-9482-11ffdefc52f5",
    name: "ibm_at_instance_console_access_token_created",
    title: "IBM Cloud VPC instance console access token created",
    level: "medium",
};

pub(crate) const VPC_LARGE_EGRESS_FLOW: ExpectedRule = ExpectedRule {
    id: "6b636b5a-7046-4f41-b078-52ef321b1796",
    name: "ibm_vpc_large_egress_flow",
    title: "Large egress in one IBM Cloud VPC flow record",
    level: "medium",
};

pub(crate) const PANOS_LARGE_UPLOAD: ExpectedRule = ExpectedRule {
    id: "f3e532c1-9cda-4285-841a-80b582b16494",
    name: "ibm_panos_large_upload",
    title: "Large upload to the internet through PAN-OS",
    level: "medium",
};

pub(crate) const VPC_PORT_SCAN: ExpectedRule = ExpectedRule {
    id: "005e1cb5-1436-4728-bcc1-e99bb523ec4c",
    name: "ibm_vpc_port_scan",
    title: "Port scan seen in IBM Cloud VPC flow logs",
    level: "high",
};

pub(crate) const PANOS_PORT_SCAN_DENIED: ExpectedRule = ExpectedRule {
    id: "05791cff-7204-4469-b212-fbc29c4e6596",
    name: "ibm_panos_port_scan_denied",
    title: "Port scan denied by PAN-OS",
    level: "medium",
};

pub(crate) const PANOS_SCAN_DETECTED: ExpectedRule = ExpectedRule {
    id: "1bebb033-a717-481f-ad9f-7d9d17a93873",
    name: "ibm_panos_scan_detected",
    title: "PAN-OS zone protection detected a scan",
    level: "medium",
};

pub(crate) const CIS_WAF_BLOCKS_THEN_SERVED: ExpectedRule = ExpectedRule {
    id: "1d63c983-0626-4bc1-9984-506de73ec209",
    name: "ibm_cis_waf_blocks_then_served",
    title: "Client blocked repeatedly by the CIS WAF, then a likely attack got through",
    level: "critical",
};

pub(crate) const CIS_SQLI_REQUEST_SERVED: ExpectedRule = ExpectedRule {
    id: "045a02a1-e9cc-4f5f-8978-08b622a111f1",
    name: "ibm_cis_sqli_request_served",
    title: "SQL injection pattern in a request served through CIS",
    level: "high",
};

pub(crate) const CIS_WAF_ATTACK_SCORE_SERVED: ExpectedRule = ExpectedRule {
    id: "cecad421-f4a3-4b36-b103-eb3633911760",
    name: "ibm_cis_waf_attack_score_served",
    title: "Request with a WAF attack score of likely attack served by the origin through CIS",
    level: "high",
};

pub(crate) const FALCO_TERMINAL_SHELL_IN_CONTAINER: ExpectedRule = ExpectedRule {
    id: "2b0d5898-b892-4354-b0fc-a707d1aa4097",
    name: "ibm_falco_terminal_shell_in_container",
    title: "Falco terminal shell in a container",
    level: "medium",
};

pub(crate) const FALCO_INGRESS_TOOL_TRANSFER: ExpectedRule = ExpectedRule {
    id: "e68c0f62-1997-42ba-bc5a-a3bb5ebfa178",
    name: "ibm_falco_ingress_tool_transfer",
    title: "Falco remote file copy tool or C2 connection from a container",
    level: "medium",
};

pub(crate) const FALCO_CRYPTO_MINER: ExpectedRule = ExpectedRule {
    id: "7650d2d3-a499-45b6-87a1-a9e1478e41ab",
    name: "ibm_falco_crypto_miner",
    title: "Falco cryptocurrency miner detected",
    level: "high",
};

pub(crate) const VPC_MINING_POOL_PORT: ExpectedRule = ExpectedRule {
    id: "09a92af1-688f-4040-94f1-fe7bda976057",
    name: "ibm_vpc_mining_pool_port",
    title: "IBM Cloud VPC connection to a cryptocurrency mining pool port",
    level: "high",
};

pub(crate) const PANOS_URL_CRYPTOCURRENCY: ExpectedRule = ExpectedRule {
    id: "1a0b0df6-1548-4fe5-9f9f-033edbe88a79",
    name: "ibm_panos_url_cryptocurrency",
    title: "PAN-OS URL filtering hit on the cryptocurrency category",
    level: "medium",
};

pub(crate) const AT_IAM_POLICY_GRANTS_ADMIN: ExpectedRule = ExpectedRule {
    id: "b194f9a8-3b90-4034-be61-a9a1e3556fc3",
    name: "ibm_at_iam_policy_grants_admin",
    title: "IBM Cloud IAM policy grants Administrator or Manager",
    level: "high",
};

pub(crate) const AT_FLOW_LOG_COLLECTOR_DELETED: ExpectedRule = ExpectedRule {
    id: "3497b497-4e8a-4abe-8723-7e09f41b5599",
    name: "ibm_at_flow_log_collector_deleted",
    title: "IBM Cloud VPC flow log collector deleted",
    level: "high",
};

pub(crate) const AT_ACCOUNT_MFA_DISABLED: ExpectedRule = ExpectedRule {
    id: "e64333cc-85f5-45a9-a3b1-66515159deb6",
    name: "ibm_at_account_mfa_disabled",
    title: "IBM Cloud account MFA turned off",
    level: "high",
};

pub(crate) const AT_USER_INVITED: ExpectedRule = ExpectedRule {
    id: "766c1214-2824-4590-a581-15596a9c34db",
    name: "ibm_at_user_invited",
    title: "IBM Cloud user invited to the account",
    level: "low",
};

pub(crate) const AT_ADMIN_ACCESS_GROUP_MEMBER_ADDED: ExpectedRule = ExpectedRule {
    id: "e1879121-82dc-4751-9e50-d9e8f22c360e",
    name: "ibm_at_admin_access_group_member_added",
    title: "Member added to an IBM Cloud administrators access group",
    level: "high",
};

pub(crate) const AT_KEY_PROTECT_KEY_DISABLED: ExpectedRule = ExpectedRule {
    id: "22da1ed9-c2af-44af-9e25-4fe18b123ed6",
    name: "ibm_at_key_protect_key_disabled",
    title: "IBM Key Protect key disabled or scheduled for deletion",
    level: "medium",
};

pub(crate) const AT_KEY_PROTECT_KEY_DELETED: ExpectedRule = ExpectedRule {
    id: "8609e3cf-8a67-4073-94cf-431ccfca9601",
    name: "ibm_at_key_protect_key_deleted",
    title: "IBM Key Protect key deleted",
    level: "high",
};

pub(crate) const AT_ATRACKER_ROUTE_OR_TARGET_DELETED: ExpectedRule = ExpectedRule {
    id: "bea4ace4-97d8-4f24-81e0-54ef08947484",
    name: "ibm_at_atracker_route_or_target_deleted",
    title: "IBM Cloud Activity Tracker Event Routing route or target deleted",
    level: "high",
};

pub(crate) const PANOS_SPYWARE_C2: ExpectedRule = ExpectedRule {
    id: "12c5fc0d-9377-4914-bc8f-24f5d58168d3",
    name: "ibm_panos_spyware_c2",
    title: "PAN-OS anti-spyware detection (command and control)",
    level: "high",
};

pub(crate) const VPC_INTERNAL_REMOTE_SERVICE_SWEEP: ExpectedRule = ExpectedRule {
    id: "b066cc81-28ea-4b0f-b537-60f1e588513e",
    name: "ibm_vpc_internal_remote_service_sweep",
    title: "One IBM Cloud VPC host reaching many others over remote administration ports",
    level: "high",
};

pub(crate) const SYSDIG_KUBECTL_EXEC: ExpectedRule = ExpectedRule {
    id: "851ce281-b0e7-49ec-ae3f-c85a0f64966d",
    name: "ibm_sysdig_kubectl_exec",
    title: "Workload Protection audit of kubectl exec into a pod",
    level: "medium",
};

pub(crate) const FALCO_CREDENTIAL_SEARCH: ExpectedRule = ExpectedRule {
    id: "2c9b5212-b187-4fa1-8669-c869d7017ebe",
    name: "ibm_falco_credential_search",
    title: "Falco search for credentials or access to the cloud metadata service",
    level: "high",
};

pub(crate) const FALCO_SENSITIVE_FILE_READ: ExpectedRule = ExpectedRule {
    id: "91ef651a-e401-4314-82f6-f720ac79970e",
    name: "ibm_falco_sensitive_file_read",
    title: "Falco sensitive file read by an unexpected program",
    level: "medium",
};

pub(crate) const VPC_EGRESS_VOLUME: ExpectedRule = ExpectedRule {
    id: "c810f5b5-0609-49e4-84ec-68437ab83401",
    name: "ibm_vpc_egress_volume",
    title: "High egress volume from one IBM Cloud VPC address to one destination",
    level: "medium",
};

pub(crate) const AT_IAM_PASSWORD_SPRAYING: ExpectedRule = ExpectedRule {
    id: "e567baf8-90df-4f82-8df1-eeb4f14d821b",
    name: "ibm_at_iam_password_spraying",
    title: "IBM Cloud IAM logins failing for many identities from one address",
    level: "high",
};

pub(crate) const AT_ACCESS_DENIED_BURST: ExpectedRule = ExpectedRule {
    id: "307ea1b3-c887-46fb-bb9a-c39895219974",
    name: "ibm_at_access_denied_burst",
    title: "Burst of denied IBM Cloud API calls by one identity",
    level: "medium",
};

pub(crate) const AT_CLOUD_API_ENUMERATION: ExpectedRule = ExpectedRule {
    id: "2ad776ba-5e76-48cb-9065-214cfda932bf",
    name: "ibm_at_cloud_api_enumeration",
    title: "IBM Cloud resource enumeration by one identity",
    level: "medium",
};

pub(crate) const AT_SECURITY_GROUP_RULE_OPEN_TO_INTERNET: ExpectedRule = ExpectedRule {
    id: "0f10fedf-2560-47b2-a4be-a121f7bdb353",
    name: "ibm_at_security_group_rule_open_to_internet",
    title: "IBM Cloud VPC security group rule opened to the internet",
    level: "medium",
};

pub(crate) const VPC_INBOUND_DATABASE_FROM_INTERNET: ExpectedRule = ExpectedRule {
    id: "6c72da85-b5cf-424b-a238-e5bdac1ac051",
    name: "ibm_vpc_inbound_database_from_internet",
    title: "IBM Cloud VPC database port reached from the internet",
    level: "high",
};

pub(crate) const FORTIGATE_ADMIN_BRUTE_FORCE: ExpectedRule = ExpectedRule {
    id: "7c64471c-02fa-44d3-859b-472480696cc2",
    name: "ibm_fortigate_admin_brute_force",
    title: "FortiGate administrator brute force",
    level: "high",
};

pub(crate) const AT_IAM_SERVICEID_APIKEY_CREATED: ExpectedRule = ExpectedRule {
    id: "94499465-7949-44a0-903b-96bbce86ef93",
    name: "ibm_at_iam_serviceid_apikey_created",
    title: "IBM Cloud service ID API key created",
    level: "medium",
};

pub(crate) const AT_INSTANCE_CREATION_BURST: ExpectedRule = ExpectedRule {
    id: "76eff8f9-5a8f-4716-b934-0cf4b0c8aa91",
    name: "ibm_at_instance_creation_burst",
    title: "Burst of IBM Cloud VPC instances created by one identity",
    level: "high",
};

pub(crate) const AT_GPU_INSTANCE_CREATED: ExpectedRule = ExpectedRule {
    id: "993ca063-93b4-49f8-91f8-921f4cec691a",
    name: "ibm_at_gpu_instance_created",
    title: "IBM Cloud VPC GPU instance created",
    level: "medium",
};

pub(crate) const AT_INSTANCE_CREATED_OUTSIDE_APPROVED_REGIONS: ExpectedRule = ExpectedRule {
    id: "6f021ba7-1d1a-4798-ad33-80fd57522b5d",
    name: "ibm_at_instance_created_outside_approved_regions",
    title: "IBM Cloud VPC instance created outside the estate's regions",
    level: "medium",
};

pub(crate) const FALCO_REVERSE_SHELL: ExpectedRule = ExpectedRule {
    id: "3be72697-1dd1-4ba7-9b92-260cb8963a06",
    name: "ibm_falco_reverse_shell",
    title: "Falco reverse shell in a container",
    level: "high",
};
