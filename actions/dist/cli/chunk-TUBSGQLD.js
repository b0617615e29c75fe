import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var s={now:()=>new Date,sleep:e=>new Promise(o=>{setTimeout(o,e)})};export{s as a};
