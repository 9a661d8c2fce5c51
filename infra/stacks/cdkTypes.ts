import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';

// aws-cdk-lib's declarations predate `exactOptionalPropertyTypes`: its classes declare optional
// members that the matching interfaces spell differently, so a Bucket is not assignable to
// IBucket under our tsconfig although it implements it. These views say so in one place.

export function asIBucket(bucket: s3.Bucket): s3.IBucket {
  return bucket as unknown as s3.IBucket;
}

export function asIVpc(vpc: ec2.Vpc): ec2.IVpc {
  return vpc as unknown as ec2.IVpc;
}
