import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as t,d as i}from"./chunk-P72BM66N.js";import{l as m,t as r}from"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var e=m(t,"AmazonSimpleNotificationService","SNSClient",r),n={},p=(c,s,a,f)=>[];var o=class extends e(n,p,"Publish",i){};export{o as PublishCommand};
