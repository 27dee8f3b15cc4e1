//! AWS for publish: ACM, Route 53 and ELBv2 through the SDK, and EC2's two
//! read-only calls (DescribeSubnets, DescribeInstances) signed with
//! aws-sigv4 and sent with hyper, which saves building aws-sdk-ec2.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_acm::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use bytes::Bytes;
use http_body_util::Full;
use serde::Serialize;

use super::net;
use crate::aws::sdk::{self, SdkOptions};
use crate::error::{Error, Result};

/// The AWS side of one command: configuration and clients.
pub(crate) struct Cloud {
    pub(crate) config: SdkConfig,
    pub(crate) region: String,
    http: std::sync::OnceLock<std::result::Result<net::HttpsClient, String>>,
}

fn one_line(text: impl std::fmt::Display) -> String {
    text.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What to do when the credential chain finds nothing.
pub(crate) const CREDENTIALS_FIX: &str =
    "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile";

/// One line for an SDK error: the service's code and message, or why the
/// call could not be made.
pub(crate) fn sdk_error<E, R>(what: &str, e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let message = err.message().map(|m| format!(": {m}")).unwrap_or_default();
            format!("{what}: {}{message}", err.code().unwrap_or("error"))
        }
        other => {
            let text = one_line(DisplayErrorContext(other));
            // DisplayErrorContext ends with the error's Debug form: drop it.
            let text = [
                " (DispatchFailure",
                " (TimeoutError",
                " (ConstructionFailure",
                " (ResponseError",
            ]
            .iter()
            .filter_map(|m| text.find(m))
            .min()
            .map_or(text.as_str(), |i| &text[..i])
            .to_string();
            if text.contains("credential") {
                let cause = text
                    .trim_start_matches("dispatch failure: other: ")
                    .split(". Attempted")
                    .next()
                    .unwrap_or_default();
                format!("{what}: no AWS credentials ({cause}); {CREDENTIALS_FIX}")
            } else {
                format!("{what}: {text}")
            }
        }
    }
}

impl Cloud {
    pub(crate) async fn connect(opts: &SdkOptions) -> Result<Cloud> {
        let region = sdk::region(opts)?;
        let config = sdk::load(opts).await?;
        Ok(Cloud {
            config,
            region,
            http: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn acm(&self) -> aws_sdk_acm::Client {
        aws_sdk_acm::Client::new(&self.config)
    }

    pub(crate) fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.config)
    }

    pub(crate) fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }

    /// The caller's credentials, or why the chain found none (the cause
    /// alone; callers add [`CREDENTIALS_FIX`]). Lets a command that makes
    /// several AWS calls say it once instead of once per call.
    pub(crate) async fn credentials(
        &self,
    ) -> std::result::Result<aws_credential_types::Credentials, String> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| "no credentials provider".to_string())?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| crate::aws::credentials::provider_cause(&e))
    }

    fn http(&self) -> std::result::Result<&net::HttpsClient, String> {
        self.http
            .get_or_init(net::client)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// One EC2 Query API call; returns the response XML.
    async fn ec2(
        &self,
        action: &str,
        params: &[(String, String)],
    ) -> std::result::Result<String, String> {
        let what = format!("EC2 {action}");
        let suffix = crate::aws::endpoint::partition_of(&self.region).dns_suffix;
        let endpoint = sdk::endpoint_url(
            &self.config,
            "EC2",
            &format!("ec2.{}.{suffix}", self.region),
        );
        let mut body = format!("Action={action}&Version=2016-11-15");
        for (k, v) in params {
            body.push_str(&format!(
                "&{}={}",
                crate::aws::sigv4::uri_encode(k),
                crate::aws::sigv4::uri_encode(v)
            ));
        }
        let creds = self
            .credentials()
            .await
            .map_err(|e| format!("{what}: no AWS credentials ({e}); {CREDENTIALS_FIX}"))?;
        let identity = creds.into();
        let signing = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("{what}: cannot sign: {e}"))?
            .into();
        let url = format!("{endpoint}/");
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| format!("{what}: cannot sign: {e}"))?;
        let (instructions, _) = sign(signable, &signing)
            .map_err(|e| format!("{what}: cannot sign: {e}"))?
            .into_parts();
        let mut request = http::Request::post(&url)
            .header("content-type", content_type)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("{what}: no AWS credentials ({e}); {CREDENTIALS_FIX}"))?;
        instructions.apply_to_request_http1x(&mut request);
        let (status, bytes) = net::send(self.http()?, request, Duration::from_secs(20))
            .await
            .map_err(|e| format!("{what}: no AWS credentials ({e}); {CREDENTIALS_FIX}"))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if !status.is_success() {
            return Err(format!(
                "{what}: {}",
                ec2_error(&text).unwrap_or_else(|| format!("HTTP {status}"))
            ));
        }
        Ok(text)
    }

    /// The subnets of a VPC.
    pub(crate) async fn subnets(&self, vpc: &str) -> std::result::Result<Vec<Subnet>, String> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = vec![
                ("Filter.1.Name".to_string(), "vpc-id".to_string()),
                ("Filter.1.Value.1".to_string(), vpc.to_string()),
            ];
            if let Some(t) = &token {
                params.push(("NextToken".into(), t.clone()));
            }
            let xml = self.ec2("DescribeSubnets", &params).await?;
            let (mut page, next) =
                parse_subnets(&xml).map_err(|e| format!("EC2 DescribeSubnets: {e}"))?;
            out.append(&mut page);
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        out.sort_by(|a, b| (&a.zone, &a.id).cmp(&(&b.zone, &b.id)));
        Ok(out)
    }

    /// The VPC of an EC2 instance.
    pub(crate) async fn instance_vpc(
        &self,
        instance: &str,
    ) -> std::result::Result<Option<String>, String> {
        let xml = self
            .ec2(
                "DescribeInstances",
                &[("InstanceId.1".to_string(), instance.to_string())],
            )
            .await?;
        parse_instance_vpc(&xml).map_err(|e| format!("EC2 DescribeInstances: {e}"))
    }

    /// The hosted zone for `host`: the longest zone name it falls under,
    /// public zones first unless `private` is wanted.
    pub(crate) async fn hosted_zone(&self, host: &str, private: bool) -> Result<Option<Zone>> {
        let client = self.route53();
        let mut pages = client.list_hosted_zones().into_paginator().send();
        let mut zones = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| Error::Failed(sdk_error("Route 53 ListHostedZones", &e)))?;
            for z in page.hosted_zones() {
                let name = z.name().trim_end_matches('.').to_ascii_lowercase();
                if host == name || host.ends_with(&format!(".{name}")) {
                    zones.push(Zone {
                        id: z.id().trim_start_matches("/hostedzone/").to_string(),
                        name,
                        private: z.config().is_some_and(|c| c.private_zone()),
                    });
                }
            }
        }
        zones.sort_by_key(|z| (std::cmp::Reverse(z.name.len()), z.private != private));
        Ok(zones.into_iter().next())
    }

    /// The records named `name` in a zone.
    pub(crate) async fn records(&self, zone: &str, name: &str) -> Result<Vec<Record>> {
        let out = self
            .route53()
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(name)
            .max_items(20)
            .send()
            .await
            .map_err(|e| Error::Failed(sdk_error("Route 53 ListResourceRecordSets", &e)))?;
        let want = name.trim_end_matches('.').to_ascii_lowercase();
        Ok(out
            .resource_record_sets()
            .iter()
            .filter(|r| r.name().trim_end_matches('.').to_ascii_lowercase() == want)
            .map(|r| Record {
                kind: r.r#type().as_str().to_string(),
                alias: r
                    .alias_target()
                    .map(|a| a.dns_name().trim_end_matches('.').to_ascii_lowercase()),
                values: r
                    .resource_records()
                    .iter()
                    .map(|v| v.value().to_string())
                    .collect(),
            })
            .collect())
    }

    /// The load balancer answering at `dns_name`.
    pub(crate) async fn load_balancer(&self, dns_name: &str) -> Result<Option<LoadBalancer>> {
        let want = dns_name
            .trim_end_matches('.')
            .trim_start_matches("dualstack.")
            .to_ascii_lowercase();
        let client = self.elbv2();
        let mut pages = client.describe_load_balancers().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| Error::Failed(sdk_error("ELBv2 DescribeLoadBalancers", &e)))?;
            for lb in page.load_balancers() {
                if lb.dns_name().is_some_and(|d| d.eq_ignore_ascii_case(&want)) {
                    return Ok(Some(LoadBalancer {
                        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
                        name: lb.load_balancer_name().unwrap_or_default().to_string(),
                        scheme: lb
                            .scheme()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Target health across a load balancer's target groups.
    pub(crate) async fn target_health(&self, lb_arn: &str) -> Result<TargetHealth> {
        let client = self.elbv2();
        let groups = client
            .describe_target_groups()
            .load_balancer_arn(lb_arn)
            .send()
            .await
            .map_err(|e| Error::Failed(sdk_error("ELBv2 DescribeTargetGroups", &e)))?;
        let mut health = TargetHealth::default();
        for tg in groups.target_groups() {
            let Some(arn) = tg.target_group_arn() else {
                continue;
            };
            health.groups += 1;
            let out = client
                .describe_target_health()
                .target_group_arn(arn)
                .send()
                .await
                .map_err(|e| Error::Failed(sdk_error("ELBv2 DescribeTargetHealth", &e)))?;
            for d in out.target_health_descriptions() {
                health.total += 1;
                let th = d.target_health();
                let state = th
                    .and_then(|t| t.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into());
                if state == "healthy" {
                    health.healthy += 1;
                } else {
                    let reason = th
                        .and_then(|t| t.reason())
                        .map(|r| r.as_str().to_string())
                        .unwrap_or(state);
                    *health.reasons.entry(reason).or_default() += 1;
                }
            }
        }
        Ok(health)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Subnet {
    pub(crate) id: String,
    pub(crate) zone: String,
    pub(crate) vpc: String,
    pub(crate) public_ip_on_launch: bool,
    pub(crate) tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Zone {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) kind: String,
    pub(crate) alias: Option<String>,
    pub(crate) values: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct LoadBalancer {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) scheme: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TargetHealth {
    pub(crate) groups: usize,
    pub(crate) total: usize,
    pub(crate) healthy: usize,
    /// Why the others are not healthy, with counts.
    pub(crate) reasons: BTreeMap<String, usize>,
}

type XmlResult<T> = std::result::Result<T, aws_smithy_xml::decode::XmlDecodeError>;

fn text(tag: &mut ScopedDecoder) -> XmlResult<String> {
    Ok(try_data(tag)?.into_owned())
}

fn parse_subnets(xml: &str) -> XmlResult<(Vec<Subnet>, Option<String>)> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    let mut subnets = Vec::new();
    let mut next = None;
    while let Some(mut tag) = root.next_tag() {
        match tag.start_el().local() {
            "subnetSet" => {
                while let Some(mut item) = tag.next_tag() {
                    let mut s = Subnet::default();
                    while let Some(mut field) = item.next_tag() {
                        match field.start_el().local() {
                            "subnetId" => s.id = text(&mut field)?,
                            "availabilityZone" => s.zone = text(&mut field)?,
                            "vpcId" => s.vpc = text(&mut field)?,
                            "mapPublicIpOnLaunch" => {
                                s.public_ip_on_launch = text(&mut field)? == "true"
                            }
                            "tagSet" => {
                                while let Some(mut t) = field.next_tag() {
                                    let (mut key, mut value) = (String::new(), String::new());
                                    while let Some(mut kv) = t.next_tag() {
                                        match kv.start_el().local() {
                                            "key" => key = text(&mut kv)?,
                                            "value" => value = text(&mut kv)?,
                                            _ => {}
                                        }
                                    }
                                    s.tags.insert(key, value);
                                }
                            }
                            _ => {}
                        }
                    }
                    subnets.push(s);
                }
            }
            "nextToken" => next = Some(text(&mut tag)?),
            _ => {}
        }
    }
    Ok((subnets, next))
}

fn parse_instance_vpc(xml: &str) -> XmlResult<Option<String>> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    while let Some(mut set) = root.next_tag() {
        if set.start_el().local() != "reservationSet" {
            continue;
        }
        while let Some(mut reservation) = set.next_tag() {
            while let Some(mut instances) = reservation.next_tag() {
                if instances.start_el().local() != "instancesSet" {
                    continue;
                }
                while let Some(mut instance) = instances.next_tag() {
                    while let Some(mut field) = instance.next_tag() {
                        if field.start_el().local() == "vpcId" {
                            return Ok(Some(text(&mut field)?));
                        }
                    }
                }
            }
        }
    }
    Ok(None)
}

/// `Code: Message` from an EC2 error response.
fn ec2_error(xml: &str) -> Option<String> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element().ok()?;
    while let Some(mut errors) = root.next_tag() {
        if errors.start_el().local() != "Errors" {
            continue;
        }
        if let Some(mut error) = errors.next_tag() {
            let (mut code, mut message) = (String::new(), String::new());
            while let Some(mut f) = error.next_tag() {
                match f.start_el().local() {
                    "Code" => code = text(&mut f).ok()?,
                    "Message" => message = text(&mut f).ok()?,
                    _ => {}
                }
            }
            return Some(format!("{code}: {message}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_xml() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSubnetsResponse >
  <requestId>r</requestId>
  <subnetSet>
    <item>
      <subnetId>subnet-1</subnetId>
      <vpcId>vpc-1</vpcId>
      <availabilityZone>us-east-1a</availabilityZone>
      <mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>
      <tagSet>
        <item><key>kubernetes.io/role/elb</key><value>1</value></item>
        <item><key>Name</key><value>a &amp; b</value></item>
      </tagSet>
    </item>
    <item>
      <subnetId>subnet-2</subnetId>
      <availabilityZone>us-east-1b</availabilityZone>
      <mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>
      <tagSet/>
    </item>
  </subnetSet>
  <nextToken>tok</nextToken>
</DescribeSubnetsResponse>"#;
        let (subnets, next) = parse_subnets(xml).unwrap();
        assert_eq!(next.as_deref(), Some("tok"));
        assert_eq!(subnets.len(), 2);
        assert_eq!(subnets[0].id, "subnet-1");
        assert!(subnets[0].public_ip_on_launch);
        assert_eq!(subnets[0].tags["kubernetes.io/role/elb"], "1");
        assert_eq!(subnets[0].tags["Name"], "a & b");
        assert_eq!(subnets[1].zone, "us-east-1b");
        assert!(subnets[1].tags.is_empty());
    }

    #[test]
    fn instance_and_error_xml() {
        let xml = "<DescribeInstancesResponse><reservationSet><item><reservationId>r-1</reservationId>\
            <instancesSet><item><instanceId>i-1</instanceId><vpcId>vpc-9</vpcId></item></instancesSet>\
            </item></reservationSet></DescribeInstancesResponse>";
        assert_eq!(parse_instance_vpc(xml).unwrap().as_deref(), Some("vpc-9"));
        let err = "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
            <Message>You are not authorized</Message></Error></Errors><RequestID>x</RequestID></Response>";
        assert_eq!(
            ec2_error(err).as_deref(),
            Some("UnauthorizedOperation: You are not authorized")
        );
    }
}
