import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as r,h as t}from"./chunk-7QCLESWA.js";import{l as o,t as m}from"./chunk-DWO5JKHP.js";var e=o(r,"AmazonEC2ContainerRegistry_V20150921","ECRClient",m),n={},i=(s,c,a,f)=>[];var p=class extends e(n,i,"ListTagsForResource",t){};export{e as a,n as b,i as c,p as d};
